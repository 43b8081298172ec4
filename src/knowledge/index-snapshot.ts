import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgencyCounts } from './agency-router.js';
import { frozenField, sortedField } from './bm25.js';
import { SortedTerms } from './sorted-terms.js';
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
import { contentHash } from '../store/index.js';
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
const FORMAT = 2;

/**
 * The key a snapshot is valid under: each entry by id and stored content (as the store hashes it, so
 * the entries an import activates and the same entries read back at the next start agree whatever
 * the order of their fields), the segmenter's dictionary and the tuning.
 */
export function snapshotKey(entries: readonly FaqEntry[], dictionary: string, tuning: IndexTuning): string {
  const hash = createHash('sha256').update(JSON.stringify([FORMAT, dictionary, tuning]));
  for (const e of entries) hash.update('\n').update(e.id).update('\0').update(contentHash(e));
  return hash.digest('base64url');
}

type NumberArray = Int32Array | Float32Array | Float64Array;
/** A typed array's place in the binary part: byte offset and element count. */
type Span = [at: number, length: number];
interface StoredField {
  docCount: number;
  offsets: Span;
  docs: Span;
  weights: Span;
  owner: Span;
}

/**
 * Strings are stored in one UTF-8 text, joined by SEP, list after list as `counts` says; numbers as
 * aligned typed arrays the reader views in place. Nothing is parsed per item but the strings.
 */
interface Header {
  format: number;
  key: string;
  /** Strings per list, in the order they follow each other in the text. */
  counts: Record<string, number>;
  text: [at: number, bytes: number];
  fields: Record<ChannelName, Record<FieldName, StoredField>>;
  /** Per entry: how many phrasings, answer chunks, sound keys and sound characters it has. */
  docShape: Span;
  router: Omit<AgencyCounts, 'grams' | 'offsets' | 'owners' | 'counts'> & {
    offsets: Span;
    owners: Span;
    counts: Span;
  };
  terms: string[];
}

/** Joins stored strings; no indexed text holds it (segmentation and import drop control characters). */
const SEP = '\u0001';
const ALIGN = 8;

interface TypedArrayType<A> {
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): A;
  readonly BYTES_PER_ELEMENT: number;
}

const file = (dir: string, kb: string) => join(dir, `${encodeURIComponent(kb)}.index`);
const fieldList = (c: ChannelName, f: FieldName) => `${c}.${f}`;

/** Writes the snapshot (aside, then renamed: a crash mid-write leaves the previous one). */
export function saveSnapshot(dir: string, kb: string, key: string, snapshot: KbSnapshot): void {
  const arrays: NumberArray[] = [];
  let bytes = 0;
  const span = (a: NumberArray): Span => {
    arrays.push(a);
    const at = bytes;
    bytes += Math.ceil(a.byteLength / ALIGN) * ALIGN;
    return [at, a.length];
  };
  const lists: Array<[name: string, strings: readonly string[]]> = [];
  const { parts, router } = snapshot;
  const fields = {} as Header['fields'];
  for (const c of CHANNELS) {
    fields[c] = {} as Record<FieldName, StoredField>;
    for (const f of FIELDS) {
      const { bm25, owner } = parts.fields[c][f];
      const sorted = sortedField(bm25);
      lists.push([fieldList(c, f), sorted.terms]);
      fields[c][f] = {
        docCount: sorted.docCount,
        offsets: span(sorted.offsets),
        docs: span(sorted.docs),
        weights: span(sorted.weights),
        owner: span(owner),
      };
    }
  }
  const shape = new Int32Array(parts.docs.length * 4);
  parts.docs.forEach((d, i) => {
    shape.set([d.phrasings.length, d.chunks.length, d.soundKeys.length, d.soundChars.length], i * 4);
  });
  lists.push([
    'docs',
    parts.docs.flatMap((d) => [d.question, ...d.phrasings, ...d.chunks, ...d.soundKeys, ...d.soundChars]),
  ]);
  lists.push(['grams', router.grams]);
  const strings = lists.flatMap(([, l]) => l);
  // A string holding the separator would split wrongly when read: such a KB is indexed at each start.
  if (strings.some((t) => t.includes(SEP))) throw new Error('an indexed text contains U+0001');
  const text = Buffer.from(strings.join(SEP), 'utf8');
  const header: Header = {
    format: FORMAT,
    key,
    counts: Object.fromEntries(lists.map(([name, l]) => [name, l.length])),
    text: [0, 0],
    fields,
    docShape: span(shape),
    router: {
      entries: router.entries,
      alpha: router.alpha,
      agencies: router.agencies,
      offsets: span(router.offsets),
      owners: span(router.owners),
      counts: span(router.counts),
    },
    terms: snapshot.terms,
  };
  header.text = [bytes, text.length];
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Math.ceil((4 + json.length) / ALIGN) * ALIGN;
  const out = Buffer.alloc(prefix + bytes + text.length);
  out.writeUInt32LE(json.length);
  json.copy(out, 4);
  let at = prefix;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += Math.ceil(a.byteLength / ALIGN) * ALIGN;
  }
  text.copy(out, at);
  mkdirSync(dir, { recursive: true });
  const target = file(dir, kb);
  writeFileSync(`${target}.tmp`, out);
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
    if (header.format !== FORMAT || header.key !== key || header.counts.docs === undefined) return null;
    const base = Math.ceil((4 + headerLength) / ALIGN) * ALIGN;
    // Views into the file's memory where it is aligned (a large read has its own), copies otherwise.
    const view = <A>(Type: TypedArrayType<A>, [at, length]: Span): A => {
      const offset = buffer.byteOffset + base + at;
      return offset % ALIGN === 0
        ? new Type(buffer.buffer, offset, length)
        : new Type(buffer.buffer.slice(offset, offset + length * Type.BYTES_PER_ELEMENT));
    };
    const [textAt, textBytes] = header.text;
    const strings = buffer.toString('utf8', base + textAt, base + textAt + textBytes).split(SEP);
    let next = 0;
    const list = (name: string) => strings.slice(next, (next += header.counts[name] ?? 0));
    const fields = {} as IndexParts['fields'];
    for (const c of CHANNELS) {
      fields[c] = {} as Record<FieldName, FieldIndex>;
      for (const f of FIELDS) {
        const s = header.fields[c][f];
        fields[c][f] = {
          bm25: frozenField({
            docCount: s.docCount,
            termIds: new SortedTerms(list(fieldList(c, f))),
            offsets: view(Int32Array, s.offsets),
            docs: view(Int32Array, s.docs),
            weights: view(Float32Array, s.weights),
          }),
          owner: view(Int32Array, s.owner),
        };
      }
    }
    const shape = view(Int32Array, header.docShape);
    if (shape.length !== entries.length * 4) return null;
    const docTexts = list('docs');
    let d = 0;
    const take = (n: number) => docTexts.slice(d, (d += n));
    const docs: IndexedEntry[] = entries.map((source, i) => ({
      source,
      question: take(1)[0] as string,
      phrasings: take(shape[i * 4] as number),
      chunks: take(shape[i * 4 + 1] as number),
      soundKeys: take(shape[i * 4 + 2] as number),
      soundChars: take(shape[i * 4 + 3] as number),
    }));
    const { router } = header;
    return {
      parts: { entries, docs, fields, tuning },
      router: {
        entries: router.entries,
        alpha: router.alpha,
        agencies: router.agencies,
        grams: list('grams'),
        offsets: view(Int32Array, router.offsets),
        owners: view(Int32Array, router.owners),
        counts: view(Float64Array, router.counts),
      },
      terms: header.terms,
    };
  } catch {
    return null;
  }
}
