import { createHash } from 'node:crypto';
import { parseCsv } from './csv.js';
import { KnowledgeError } from './errors.js';
import { markStalePhrasings, phrasingBasis } from './phrasings.js';
import type { FaqEntry, Phrasing, Tier } from './types.js';

export type ImportFormat = 'jsonl' | 'csv';
export const entryFields = [
  'id',
  'question',
  'answer',
  'agency',
  'maintainer',
  'url',
  'tags',
  'tier',
  'updated',
  'phrasings',
] as const;
export type EntryField = (typeof entryFields)[number];

export interface ParseOptions {
  /** Guessed from the content when absent: a first non-blank `{` means JSONL. */
  format?: ImportFormat;
  /** Entry field → the source's column (CSV header) or key (JSONL) name, e.g. `{question: 'Question'}`. */
  map?: Partial<Record<EntryField, string>>;
  /** Agency for records that have none (e.g. taken from the file name). */
  agency?: string;
  /** A repeated id rejects the file (`error`, default) or the later record wins (`last`, for crawls). */
  duplicates?: 'error' | 'last';
}

const tiers: readonly Tier[] = ['hot', 'cold', 'procedure'];

/** Columns the Taipei FAQ CSV export and common spreadsheets use, tried when no mapping is given. */
const defaultColumns: Record<EntryField, readonly string[]> = {
  id: ['id', 'faq_id', 'ID'],
  question: ['question', 'Question', '問題', 'title'],
  answer: ['answer', 'Answer', '答案', '回答'],
  agency: ['agency', 'Agency', '機關'],
  maintainer: ['maintainer', '資料維護', '維護單位'],
  url: ['url', 'Url', 'URL', '網址'],
  tags: ['tags', 'Tags', '標籤'],
  tier: ['tier'],
  updated: ['updated', '資料更新', 'Time'],
  phrasings: ['phrasings', '相似問法', 'similar_questions'],
};

const phrasingSources: readonly Phrasing['source'][] = ['authored', 'editor', 'agent'];
const phrasingStatuses: readonly Phrasing['status'][] = ['approved', 'pending', 'review'];

/**
 * Similar questions of a record: a JSON array of texts or of `{text, source?, status?, written_for?}`,
 * or (CSV) one text per line or separated by ｜. Texts without `written_for` count as written for
 * the entry as imported; ones written for another wording are marked for review.
 */
function parsePhrasings(value: unknown, basis: string, where: string): Phrasing[] {
  const items: unknown[] = Array.isArray(value) ? value : text(value).split(/\n|｜/);
  const out: Phrasing[] = [];
  for (const item of items) {
    if (typeof item === 'string') {
      if (item.trim())
        out.push({ text: item.trim(), source: 'authored', status: 'approved', written_for: basis });
      continue;
    }
    const record = (item ?? {}) as Record<string, unknown>;
    const body = typeof record.text === 'string' ? record.text.trim() : '';
    const source = (record.source ?? 'authored') as Phrasing['source'];
    const status = (record.status ?? 'approved') as Phrasing['status'];
    if (!body || !phrasingSources.includes(source) || !phrasingStatuses.includes(status)) {
      throw new KnowledgeError(
        'invalid_import',
        `${where}: a phrasing needs a text, source ${phrasingSources.join('/')} and status ${phrasingStatuses.join('/')}`,
      );
    }
    const writtenFor = typeof record.written_for === 'string' ? record.written_for : basis;
    out.push({ text: body, source, status, written_for: writtenFor });
  }
  return out;
}

function pick(record: Record<string, unknown>, field: EntryField, map: ParseOptions['map']): unknown {
  const names = map?.[field] ? [map[field] as string] : defaultColumns[field];
  for (const name of names) if (record[name] !== undefined && record[name] !== null) return record[name];
  return undefined;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(String).join('\n');
  return String(value).trim();
}

function toEntry(record: Record<string, unknown>, where: string, options: ParseOptions): FaqEntry {
  const question = text(pick(record, 'question', options.map));
  if (!question) throw new KnowledgeError('invalid_import', `${where}: no question`);
  const answer = text(pick(record, 'answer', options.map));
  const agency = text(pick(record, 'agency', options.map)) || options.agency || '';
  const maintainer = text(pick(record, 'maintainer', options.map)) || undefined;
  const url = text(pick(record, 'url', options.map)) || undefined;
  const rawTags = pick(record, 'tags', options.map);
  const tags = Array.isArray(rawTags)
    ? rawTags.map(String).filter(Boolean)
    : text(rawTags)
        .split(/[,，、;；]/)
        .map((t) => t.trim())
        .filter(Boolean);
  const rawTier = text(pick(record, 'tier', options.map));
  if (rawTier && !tiers.includes(rawTier as Tier)) {
    throw new KnowledgeError(
      'invalid_import',
      `${where}: tier must be one of ${tiers.join(', ')}, not "${rawTier}"`,
    );
  }
  // Without an id column, the id is derived from what identifies the entry, so re-imports are stable.
  const id =
    text(pick(record, 'id', options.map)) ||
    `faq-${createHash('sha1')
      .update(`${agency}\n${question}\n${url ?? ''}`)
      .digest('hex')
      .slice(0, 12)}`;
  const updated = text(pick(record, 'updated', options.map)) || undefined;
  // Some exports write an empty answer as "[]".
  const cleanAnswer = answer === '[]' ? '' : answer;
  const rawPhrasings = pick(record, 'phrasings', options.map);
  const phrasings =
    rawPhrasings === undefined
      ? []
      : parsePhrasings(rawPhrasings, phrasingBasis({ question, answer: cleanAnswer }), where);
  return markStalePhrasings({
    id,
    question,
    answer: cleanAnswer,
    agency,
    ...(maintainer ? { maintainer } : {}),
    ...(url ? { url } : {}),
    tags,
    tier: rawTier ? (rawTier as Tier) : null,
    ...(updated ? { updated } : {}),
    ...(phrasings.length ? { phrasings } : {}),
  });
}

function parseJsonl(body: string, options: ParseOptions): FaqEntry[] {
  const out: FaqEntry[] = [];
  body.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw new KnowledgeError('invalid_import', `line ${i + 1}: not valid JSON`);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new KnowledgeError('invalid_import', `line ${i + 1}: expected a JSON object`);
    }
    out.push(toEntry(record as Record<string, unknown>, `line ${i + 1}`, options));
  });
  return out;
}

function parseCsvEntries(body: string, options: ParseOptions): FaqEntry[] {
  let rows: string[][];
  try {
    rows = parseCsv(body);
  } catch (err) {
    throw new KnowledgeError('invalid_import', `CSV: ${(err as Error).message}`);
  }
  const [header, ...data] = rows;
  if (!header) return [];
  const names = header.map((h) => h.trim());
  for (const [field, column] of Object.entries(options.map ?? {})) {
    if (column && !names.includes(column)) {
      throw new KnowledgeError(
        'invalid_import',
        `CSV has no column "${column}" (mapped to ${field}); columns: ${names.join(', ')}`,
      );
    }
  }
  return data.map((cells, i) =>
    toEntry(Object.fromEntries(names.map((name, c) => [name, cells[c] ?? ''])), `row ${i + 2}`, options),
  );
}

/**
 * Parses a JSONL or CSV knowledge-base file into entries. Any bad record rejects the whole file
 * (with its line or row), so an import never stores half a file.
 */
export function parseEntries(body: string, options: ParseOptions = {}): FaqEntry[] {
  const format = options.format ?? (body.trimStart().startsWith('{') ? 'jsonl' : 'csv');
  const entries = format === 'jsonl' ? parseJsonl(body, options) : parseCsvEntries(body, options);
  const byId = new Map<string, FaqEntry>();
  for (const e of entries) {
    if (byId.has(e.id) && options.duplicates !== 'last')
      throw new KnowledgeError('invalid_import', `duplicate id "${e.id}"`);
    byId.set(e.id, e);
  }
  return [...byId.values()];
}

/** Parses `question=Question,answer=Answer` (CLI/REST column mapping) into a field map. */
export function parseColumnMap(spec: string): Partial<Record<EntryField, string>> {
  const map: Partial<Record<EntryField, string>> = {};
  for (const pair of spec.split(',').filter(Boolean)) {
    const [field, column] = pair.split('=').map((s) => s.trim());
    if (!field || !column || !entryFields.includes(field as EntryField)) {
      throw new KnowledgeError(
        'invalid_import',
        `bad column mapping "${pair}": use field=Column with field one of ${entryFields.join(', ')}`,
      );
    }
    map[field as EntryField] = column;
  }
  return map;
}
