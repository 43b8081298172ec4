import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgencyCounts } from './agency-router.js';
import { frozenField } from './bm25.js';
import {
  CHANNELS,
  FIELDS,
  type ChannelName,
  type FieldIndex,
  type FieldName,
  type IndexedEntry,
  type IndexParts,
  type IndexTuning,
} from './index-build.js';
import type { FaqEntry } from './types.js';

/**
 * A built KB index kept between starts in `<dir>/<kb>.index`: the BM25 postings of every channel and
 * field, each entry's indexed texts, the agency router's counts and the mined terms, so a restart
 * with an unchanged KB reads one file instead of segmenting, converting to pinyin and counting again.
 * It is only used under the key it was written with: a hash of the entries (ids and all content, in
 * order), the segmenter's dictionary and the index tuning, so any change builds anew.
 */
export interface KbSnapshot {
  parts: IndexParts;
  router: AgencyCounts;
  terms: string[];
}

/** Bump when the file layout or what is derived from the entries changes. */
const FORMAT = 1;

/** The key a snapshot is valid under. */
export function snapshotKey(entries: readonly FaqEntry[], dictionary: string, tuning: IndexTuning): string {
  const hash = createHash('sha256').update(JSON.stringify([FORMAT, dictionary, tuning]));
  for (const e of entries) hash.update('\n').update(JSON.stringify(e));
  return hash.digest('base64url');
}

/** A typed array's place in the binary part: element offset (4-byte elements) and count. */
type Span = [at: number, length: number];
interface StoredField {
  docCount: number;
  terms: string[];
  offsets: Span;
  docs: Span;
  weights: Span;
  owner: Span;
}
interface Header {
  format: number;
  key: string;
  /** Per entry: question, phrasings, answer chunks, question sound keys and their characters. */
  docs: Array<[string, string[], string[], string[], string[]]>;
  fields: Record<ChannelName, Record<FieldName, StoredField>>;
  router: AgencyCounts;
  terms: string[];
}

const file = (dir: string, kb: string) => join(dir, `${encodeURIComponent(kb)}.index`);

/** Writes the snapshot (aside, then renamed: a crash mid-write leaves the previous one). */
export function saveSnapshot(dir: string, kb: string, key: string, snapshot: KbSnapshot): void {
  const arrays: Array<Int32Array | Float32Array> = [];
  let at = 0;
  const span = (a: Int32Array | Float32Array): Span => {
    arrays.push(a);
    at += a.length;
    return [at - a.length, a.length];
  };
  const storeField = ({ bm25, owner }: FieldIndex): StoredField => ({
    docCount: bm25.docCount,
    terms: [...bm25.termIds.keys()],
    offsets: span(bm25.offsets),
    docs: span(bm25.docs),
    weights: span(bm25.weights),
    owner: span(owner),
  });
  const { parts } = snapshot;
  const fields = {} as Header['fields'];
  for (const c of CHANNELS) {
    fields[c] = {} as Record<FieldName, StoredField>;
    for (const f of FIELDS) fields[c][f] = storeField(parts.fields[c][f]);
  }
  const header: Header = {
    format: FORMAT,
    key,
    docs: parts.docs.map((d) => [d.question, d.phrasings, d.chunks, d.soundKeys, d.soundChars]),
    fields,
    router: snapshot.router,
    terms: snapshot.terms,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  const body = arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  mkdirSync(dir, { recursive: true });
  const target = file(dir, kb);
  writeFileSync(`${target}.tmp`, Buffer.concat([length, json, ...body]));
  renameSync(`${target}.tmp`, target);
}

/**
 * The snapshot of `kb` for these entries and tuning, if one was written under `key` (see
 * `snapshotKey`); null when there is none, it was written for other content, or it cannot be read
 * (the index is then built, never an error).
 */
export function loadSnapshot(
  dir: string,
  kb: string,
  key: string,
  entries: readonly FaqEntry[],
  tuning: IndexTuning,
): KbSnapshot | null {
  const path = file(dir, kb);
  if (!existsSync(path)) return null;
  try {
    const buffer = readFileSync(path);
    const headerLength = buffer.readUInt32LE(0);
    const header = JSON.parse(buffer.toString('utf8', 4, 4 + headerLength)) as Header;
    if (header.format !== FORMAT || header.key !== key || header.docs.length !== entries.length) return null;
    const base = 4 + headerLength;
    // Copied out of the file buffer: typed arrays need aligned memory of their own.
    const bytes = ([at, length]: Span) =>
      buffer.buffer.slice(buffer.byteOffset + base + at * 4, buffer.byteOffset + base + (at + length) * 4);
    const readField = (s: StoredField): FieldIndex => ({
      bm25: frozenField({
        docCount: s.docCount,
        termIds: new Map(s.terms.map((t, i) => [t, i])),
        offsets: new Int32Array(bytes(s.offsets)),
        docs: new Int32Array(bytes(s.docs)),
        weights: new Float32Array(bytes(s.weights)),
      }),
      owner: new Int32Array(bytes(s.owner)),
    });
    const fields = {} as IndexParts['fields'];
    for (const c of CHANNELS) {
      fields[c] = {} as Record<FieldName, FieldIndex>;
      for (const f of FIELDS) fields[c][f] = readField(header.fields[c][f]);
    }
    const docs: IndexedEntry[] = header.docs.map(
      ([question, phrasings, chunks, soundKeys, soundChars], i) => ({
        source: entries[i] as FaqEntry,
        question,
        phrasings,
        chunks,
        soundKeys,
        soundChars,
      }),
    );
    return { parts: { entries, docs, fields, tuning }, router: header.router, terms: header.terms };
  } catch {
    return null;
  }
}
