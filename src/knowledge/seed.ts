import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { BUNDLED_DATA_DIR } from '../config/index.js';
import { KnowledgeError } from './errors.js';
import { parseEntries, type ParseOptions } from './import-format.js';
import { phrasingBasis, withPhrasings } from './phrasings.js';
import type { FaqEntry, Phrasing } from './types.js';

/** A similar-questions file beside a KB file: `{"id", "written_for"?, "phrasings": [texts]}` per line. */
const PHRASINGS_FILE = /phrasings.*\.jsonl$/i;

/** Files a seed folder contributes: JSONL and CSV, in name order; a CSV's agency is its name (社會局QA.csv → 社會局). */
function seedFiles(path: string): {
  entries: Array<{ file: string; options: ParseOptions }>;
  phrasings: string[];
} {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => /\.(jsonl|csv)$/i.test(f))
        .sort()
        .map((f) => join(path, f))
    : [path];
  return {
    entries: files
      .filter((f) => !PHRASINGS_FILE.test(basename(f)))
      .map((file) => {
        const csv = extname(file).toLowerCase() === '.csv';
        return {
          file,
          options: csv
            ? { format: 'csv' as const, agency: basename(file, extname(file)).replace(/QA$/i, '') }
            : { format: 'jsonl' as const },
        };
      }),
    phrasings: files.filter((f) => PHRASINGS_FILE.test(basename(f))),
  };
}

/**
 * Reads a similar-questions file. Each line names the entry, the hash of the question and answer the
 * phrasings were written for (absent = the entry as it is) and the texts.
 */
export function parsePhrasingFile(
  body: string,
  where: string,
): Map<string, { writtenFor?: string; texts: string[] }> {
  const out = new Map<string, { writtenFor?: string; texts: string[] }>();
  body.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let record: { id?: unknown; written_for?: unknown; phrasings?: unknown };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      throw new KnowledgeError('invalid_import', `${where} line ${i + 1}: not valid JSON`);
    }
    if (typeof record.id !== 'string' || !Array.isArray(record.phrasings)) {
      throw new KnowledgeError('invalid_import', `${where} line ${i + 1}: expected {"id","phrasings":[…]}`);
    }
    out.set(record.id, {
      ...(typeof record.written_for === 'string' ? { writtenFor: record.written_for } : {}),
      texts: record.phrasings.filter((p): p is string => typeof p === 'string' && p.trim() !== ''),
    });
  });
  return out;
}

/** Entries with the similar questions of a phrasing file added (authored; for review where written for older wording). */
export function applyPhrasingFile(
  entries: readonly FaqEntry[],
  phrasings: ReadonlyMap<string, { writtenFor?: string; texts: string[] }>,
): FaqEntry[] {
  return entries.map((entry) => {
    const found = phrasings.get(entry.id);
    if (!found) return entry;
    const basis = phrasingBasis(entry);
    const status: Phrasing['status'] =
      !found.writtenFor || found.writtenFor === basis ? 'approved' : 'review';
    return withPhrasings(
      entry,
      found.texts.map((text) => ({
        text,
        source: 'authored',
        status,
        written_for: found.writtenFor ?? basis,
      })),
    );
  });
}

/** The similar questions the product ships for the Taipei FAQ (data/taipei-faq). */
export const BUNDLED_PHRASINGS = join(BUNDLED_DATA_DIR, 'taipei-faq', 'phrasings.jsonl');

/** Shipped similar questions by the hash of the question and answer they were written for. */
let shippedByBasis: Map<string, string[]> | null = null;

function shippedPhrasings(): Map<string, string[]> {
  if (shippedByBasis) return shippedByBasis;
  shippedByBasis = new Map();
  let shipped: ReturnType<typeof parsePhrasingFile>;
  try {
    shipped = parsePhrasingFile(readFileSync(BUNDLED_PHRASINGS, 'utf8'), BUNDLED_PHRASINGS);
  } catch {
    return shippedByBasis; // a build without the Taipei data ships none
  }
  for (const { writtenFor, texts } of shipped.values())
    if (writtenFor) shippedByBasis.set(writtenFor, [...(shippedByBasis.get(writtenFor) ?? []), ...texts]);
  return shippedByBasis;
}

/**
 * The entry with the shipped similar questions written for exactly its question and answer, found by
 * their wording rather than the id, so the city's own FAQ file gets them however it is numbered or
 * imported; an edited entry, or another KB's, gets none.
 */
export function withShippedPhrasings(entry: FaqEntry): FaqEntry {
  const basis = phrasingBasis(entry);
  const texts = shippedPhrasings().get(basis);
  if (!texts) return entry;
  return withPhrasings(
    entry,
    texts.map((text) => ({ text, source: 'authored', status: 'approved', written_for: basis })),
  );
}

/**
 * The entries of a seed file or folder, with the similar questions of any `*phrasings*.jsonl` beside
 * them (an import adds the shipped ones to entries that have none).
 */
export function readSeed(path: string): FaqEntry[] {
  const files = seedFiles(path);
  const entries: FaqEntry[] = [];
  for (const { file, options } of files.entries)
    entries.push(...parseEntries(readFileSync(file, 'utf8'), options));
  let out = entries;
  for (const file of files.phrasings)
    out = applyPhrasingFile(out, parsePhrasingFile(readFileSync(file, 'utf8'), file));
  return out;
}
