/**
 * A frozen BM25 field index: postings hold each (term, document) pair's precomputed weight, so a
 * query is only lookups and additions into a score array. Built once per KB version, never mutated.
 */
export interface FieldPostings {
  docs: Int32Array;
  weights: Float32Array;
}

export interface BM25Field {
  readonly docCount: number;
  readonly postings: ReadonlyMap<string, FieldPostings>;
  /** Inverse document frequency of a term; for unseen terms, that of a term seen in one document. */
  idf(term: string): number;
}

const K1 = 1.2;
const B = 0.75;

const idfOf = (n: number, df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));

/** Work items between two checks of the time slice while building (see `FaqIndex.buildAsync`). */
export const BUILD_STEP = 256;

/**
 * Builds a field from `docTerms[d]` (document d's terms; repeats = term frequency). A generator that
 * yields every few hundred documents/terms so a caller can build without blocking the event loop.
 */
export function* buildFieldSteps(docTerms: readonly (readonly string[])[]): Generator<void, BM25Field> {
  const n = docTerms.length;
  const raw = new Map<string, { docs: number[]; tfs: number[] }>();
  let totalLength = 0;
  for (let d = 0; d < n; d++) {
    if (d % BUILD_STEP === 0) yield;
    const terms = docTerms[d] ?? [];
    totalLength += terms.length;
    const counts = new Map<string, number>();
    for (const t of terms) counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const [t, tf] of counts) {
      let p = raw.get(t);
      if (!p) raw.set(t, (p = { docs: [], tfs: [] }));
      p.docs.push(d);
      p.tfs.push(tf);
    }
  }
  const avgLength = n ? totalLength / n || 1 : 1;
  const lengthNorm = docTerms.map((terms) => K1 * (1 - B + (B * terms.length) / avgLength));
  const postings = new Map<string, FieldPostings>();
  let done = 0;
  for (const [t, p] of raw) {
    if (++done % (BUILD_STEP * 16) === 0) yield;
    const idf = idfOf(n, p.docs.length);
    const weights = new Float32Array(p.docs.length);
    for (let i = 0; i < p.docs.length; i++) {
      const tf = p.tfs[i] as number;
      weights[i] = (idf * tf * (K1 + 1)) / (tf + (lengthNorm[p.docs[i] as number] as number));
    }
    postings.set(t, { docs: Int32Array.from(p.docs), weights });
  }
  const unseenIdf = idfOf(n, 1);
  return {
    docCount: n,
    postings,
    idf: (term) => {
      const p = postings.get(term);
      return p ? idfOf(n, p.docs.length) : unseenIdf;
    },
  };
}

/** Adds `scale` × the term's weight to every document that has it. */
export function accumulate(field: BM25Field, term: string, scale: number, scores: Float64Array): boolean {
  const p = field.postings.get(term);
  if (!p) return false;
  const { docs, weights } = p;
  for (let i = 0; i < docs.length; i++) {
    const d = docs[i] as number;
    scores[d] = (scores[d] as number) + scale * (weights[i] as number);
  }
  return true;
}
