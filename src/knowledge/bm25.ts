import { SortedTerms, sortedOrder } from './sorted-terms.js';

/**
 * A frozen BM25 field index in compressed sparse rows: one flat array of document numbers and one
 * of precomputed weights (idf × saturated tf with length normalisation), sliced per term by
 * `offsets`. A query is lookups and additions into a score array; a build allocates a handful of
 * typed arrays instead of two growing arrays per term (GC was a third of the build time).
 */
/** Term → id of a field: a Map as built, sorted terms as read back from a snapshot (sorted-terms.ts). */
export interface TermIds {
  get(term: string): number | undefined;
  keys(): IterableIterator<string>;
  readonly size: number;
}

export interface BM25Field {
  readonly docCount: number;
  readonly termIds: TermIds;
  /** Postings of term t are [offsets[t], offsets[t + 1]). */
  readonly offsets: Int32Array;
  readonly docs: Int32Array;
  readonly weights: Float32Array;
  /** Inverse document frequency of a term; for unseen terms, that of a term seen in one document. */
  idf(term: string): number;
}

const K1 = 1.2;
const B = 0.75;

// Never negative, also for a term "seen once" in an empty field.
const idfOf = (n: number, df: number) => Math.log(1 + Math.max(0, n - df + 0.5) / (df + 0.5));

/** Work items between two checks of the time slice while building (see `FaqIndex.buildAsync`). */
export const BUILD_STEP = 256;

/**
 * Builds a field from `docTerms[d]` (document d's terms; repeats = term frequency). A generator that
 * yields every few hundred documents so a caller can build without blocking the event loop. With
 * `idfFrom`, term rarity comes from that (larger) field: a handful of extra documents scored on the
 * same scale as the field they extend.
 */
export function* buildFieldSteps(
  docTerms: readonly (readonly string[])[],
  idfFrom?: BM25Field,
): Generator<void, BM25Field> {
  const n = docTerms.length;
  const termIds = new Map<string, number>();
  // Pass 1: term ids, document frequencies, lengths.
  let df = new Int32Array(1024);
  let lastDoc = new Int32Array(1024).fill(-1);
  const lengths = new Int32Array(n);
  let totalLength = 0;
  for (const terms of docTerms) totalLength += terms.length;
  // Every occurrence's term id, document after document, so pass 2 needs no string lookups.
  const sequence = new Int32Array(totalLength);
  let at = 0;
  for (let d = 0; d < n; d++) {
    if (d % BUILD_STEP === 0) yield;
    const terms = docTerms[d] ?? [];
    lengths[d] = terms.length;
    for (const t of terms) {
      let id = termIds.get(t);
      if (id === undefined) {
        id = termIds.size;
        termIds.set(t, id);
        if (id >= df.length) {
          const grownDf = new Int32Array(df.length * 2);
          grownDf.set(df);
          df = grownDf;
          const grownLast = new Int32Array(lastDoc.length * 2).fill(-1);
          grownLast.set(lastDoc);
          lastDoc = grownLast;
        }
      }
      sequence[at++] = id;
      if (lastDoc[id] !== d) {
        lastDoc[id] = d;
        df[id] = (df[id] as number) + 1;
      }
    }
  }
  const terms = termIds.size;
  const offsets = new Int32Array(terms + 1);
  for (let t = 0; t < terms; t++) offsets[t + 1] = (offsets[t] as number) + (df[t] as number);
  const total = offsets[terms] as number;
  const docs = new Int32Array(total);
  const weights = new Float32Array(total);
  const fill = offsets.slice(0, terms);
  const tf = new Int32Array(terms);
  const avgLength = n ? totalLength / n || 1 : 1;
  const termNames = idfFrom ? [...termIds.keys()] : [];
  // Pass 2: per document, count term frequencies and write each term's posting.
  const distinct = new Int32Array(terms);
  let start = 0;
  for (let d = 0; d < n; d++) {
    if (d % BUILD_STEP === 0) yield;
    const end = start + (lengths[d] as number);
    let count = 0;
    for (let i = start; i < end; i++) {
      const id = sequence[i] as number;
      if (tf[id] === 0) distinct[count++] = id;
      tf[id] = (tf[id] as number) + 1;
    }
    start = end;
    const norm = K1 * (1 - B + (B * (lengths[d] as number)) / avgLength);
    for (let j = 0; j < count; j++) {
      const id = distinct[j] as number;
      const f = tf[id] as number;
      const slot = fill[id] as number;
      docs[slot] = d;
      const idf = idfFrom ? idfFrom.idf(termNames[id] as string) : idfOf(n, df[id] as number);
      weights[slot] = (idf * f * (K1 + 1)) / (f + norm);
      fill[id] = slot + 1;
      tf[id] = 0;
    }
  }
  return frozenField({ docCount: n, termIds, offsets, docs, weights }, idfFrom);
}

/** The stored arrays of a field (as built, or as read back from an index snapshot). */
export type BM25Arrays = Omit<BM25Field, 'idf'>;

/** A field over built arrays; term rarity from its own postings, or from `idfFrom`. */
export function frozenField(arrays: BM25Arrays, idfFrom?: BM25Field): BM25Field {
  const { docCount: n, termIds, offsets } = arrays;
  const unseenIdf = idfOf(n, 1);
  return {
    ...arrays,
    idf: (term) => {
      if (idfFrom) return idfFrom.idf(term);
      const id = termIds.get(term);
      return id === undefined ? unseenIdf : idfOf(n, (offsets[id + 1] as number) - (offsets[id] as number));
    },
  };
}

/** The field with its terms renumbered in code-unit order (how a snapshot stores it), postings moved along. */
export function sortedField(field: BM25Arrays): BM25Arrays & { terms: string[] } {
  const names = [...field.termIds.keys()];
  const order = sortedOrder(names);
  const offsets = new Int32Array(names.length + 1);
  const docs = new Int32Array(field.docs.length);
  const weights = new Float32Array(field.weights.length);
  order.forEach((id, k) => {
    const start = field.offsets[id] as number;
    const end = field.offsets[id + 1] as number;
    const at = offsets[k] as number;
    docs.set(field.docs.subarray(start, end), at);
    weights.set(field.weights.subarray(start, end), at);
    offsets[k + 1] = at + end - start;
  });
  const terms = Array.from(order, (id) => names[id] as string);
  return { docCount: field.docCount, termIds: new SortedTerms(terms), offsets, docs, weights, terms };
}
