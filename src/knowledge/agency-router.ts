import { indexedPhrasings } from './phrasings.js';
import { charGrams, indexText } from './query-terms.js';
import { SortedTerms } from './sorted-terms.js';
import type { FaqEntry, AgencyGuess } from './types.js';

const bigrams = (text: string) => new Set(charGrams(indexText(text)));

export interface AgencyRouter {
  readonly agencies: readonly string[];
  route(text: string, k?: number): AgencyGuess[];
}

export interface TrainOptions {
  /** Weight of answer text relative to question text (answers are long and noisier). */
  answerWeight?: number;
  /** Additive smoothing. */
  alpha?: number;
}

export type LabelledEntry = Pick<FaqEntry, 'question' | 'answer' | 'agency' | 'phrasings'>;

/**
 * What the router learned from a KB (kept in index snapshots): per agency its entries and weight, and
 * the weighted bigram counts in compressed rows — every bigram seen, sorted, with the agencies that
 * have it: bigram g's counts are [offsets[g], offsets[g + 1]) of `owners` (agency index) and `counts`.
 */
export interface AgencyCounts {
  entries: number;
  alpha: number;
  agencies: Array<{ agency: string; docs: number; total: number }>;
  grams: string[];
  offsets: Int32Array;
  owners: Int32Array;
  counts: Float64Array;
}

/**
 * Multinomial naive Bayes over character bigrams, trained from the knowledge base's own labels
 * (the agency of each FAQ entry, over its question, similar questions and the start of its answer).
 * Retrains in well under a second, so each KB version gets its own router.
 */
export function trainAgencyRouter(
  entries: readonly LabelledEntry[],
  options: TrainOptions = {},
): AgencyRouter {
  return agencyRouter(countAgencies(entries, options));
}

export function countAgencies(entries: readonly LabelledEntry[], options: TrainOptions = {}): AgencyCounts {
  const answerWeight = options.answerWeight ?? 0.1;
  const counts = new Map<string, Map<string, number>>();
  const totals = new Map<string, number>();
  const docs = new Map<string, number>();
  const add = (agency: string, text: string, weight: number) => {
    let table = counts.get(agency);
    if (!table) counts.set(agency, (table = new Map()));
    for (const gram of bigrams(text)) {
      table.set(gram, (table.get(gram) ?? 0) + weight);
      totals.set(agency, (totals.get(agency) ?? 0) + weight);
    }
  };
  for (const entry of entries) {
    if (!entry.agency) continue;
    docs.set(entry.agency, (docs.get(entry.agency) ?? 0) + 1);
    add(entry.agency, entry.question, 1);
    // Similar questions are in the callers' words: what the router sees at run time.
    for (const p of indexedPhrasings(entry as FaqEntry)) add(entry.agency, p, 1);
    add(entry.agency, entry.answer.slice(0, 400), answerWeight);
  }
  const agencies = [...counts.keys()];
  const byGram = new Map<string, Array<[agency: number, count: number]>>();
  agencies.forEach((agency, a) => {
    for (const [gram, count] of counts.get(agency) ?? []) {
      let list = byGram.get(gram);
      if (!list) byGram.set(gram, (list = []));
      list.push([a, count]);
    }
  });
  const grams = [...byGram.keys()].sort();
  const offsets = new Int32Array(grams.length + 1);
  grams.forEach((gram, g) => (offsets[g + 1] = (offsets[g] as number) + (byGram.get(gram)?.length ?? 0)));
  const owners = new Int32Array(offsets[grams.length] as number);
  const values = new Float64Array(owners.length);
  grams.forEach((gram, g) =>
    byGram.get(gram)?.forEach(([a, count], i) => {
      owners[(offsets[g] as number) + i] = a;
      values[(offsets[g] as number) + i] = count;
    }),
  );
  return {
    entries: entries.length,
    alpha: options.alpha ?? 0.01,
    agencies: agencies.map((agency) => ({
      agency,
      docs: docs.get(agency) ?? 0,
      total: totals.get(agency) ?? 0,
    })),
    grams,
    offsets,
    owners,
    counts: values,
  };
}

/**
 * The router over learned counts. Each agency's log-likelihood starts from its prior and the
 * smoothing of every known bigram of the text; only the agencies that saw a bigram get more.
 */
export function agencyRouter(learned: AgencyCounts): AgencyRouter {
  const { alpha, offsets, owners, counts } = learned;
  const agencies = learned.agencies.map((a) => a.agency);
  const vocabulary = new SortedTerms(learned.grams);
  const n = learned.entries || 1;
  const v = learned.grams.length || 1;
  const logAlpha = Math.log(alpha);
  const priors = learned.agencies.map((a) => Math.log(a.docs / n));
  const unseen = learned.agencies.map((a) => logAlpha - Math.log(a.total + alpha * v));
  return {
    agencies,
    route(text, k = 3) {
      const known: number[] = [];
      for (const gram of bigrams(text)) {
        const g = vocabulary.get(gram);
        if (g !== undefined) known.push(g);
      }
      const logs = agencies.map((_, a) => (priors[a] as number) + known.length * (unseen[a] as number));
      for (const g of known) {
        for (let i = offsets[g] as number; i < (offsets[g + 1] as number); i++) {
          const a = owners[i] as number;
          logs[a] = (logs[a] as number) + Math.log((counts[i] as number) + alpha) - logAlpha;
        }
      }
      const max = Math.max(...logs);
      const exp = logs.map((l) => Math.exp(l - max));
      const sum = exp.reduce((a, b) => a + b, 0);
      return agencies
        .map((agency, i) => ({ agency, confidence: (exp[i] ?? 0) / sum }))
        .sort((a, b) => b.confidence - a.confidence)
        .slice(0, k);
    },
  };
}
