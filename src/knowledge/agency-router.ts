import { indexedPhrasings } from './phrasings.js';
import { charGrams, indexText } from './query-terms.js';
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

/** What the router learned from a KB: per agency, its entries and weighted bigram counts (kept in index snapshots). */
export interface AgencyCounts {
  entries: number;
  alpha: number;
  agencies: Array<{ agency: string; docs: number; total: number; grams: string[]; counts: number[] }>;
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
  return {
    entries: entries.length,
    alpha: options.alpha ?? 0.01,
    agencies: [...counts].map(([agency, table]) => ({
      agency,
      docs: docs.get(agency) ?? 0,
      total: totals.get(agency) ?? 0,
      grams: [...table.keys()],
      counts: [...table.values()],
    })),
  };
}

/** The router over learned counts. */
export function agencyRouter(learned: AgencyCounts): AgencyRouter {
  const { alpha } = learned;
  const agencies = learned.agencies.map((a) => a.agency);
  const tables = learned.agencies.map((a) => new Map(a.grams.map((g, i) => [g, a.counts[i] as number])));
  const vocabulary = new Set(learned.agencies.flatMap((a) => a.grams));
  const n = learned.entries || 1;
  const v = vocabulary.size || 1;
  const priors = learned.agencies.map((a) => Math.log(a.docs / n));
  const denominators = learned.agencies.map((a) => Math.log(a.total + alpha * v));
  return {
    agencies,
    route(text, k = 3) {
      const grams = [...bigrams(text)].filter((g) => vocabulary.has(g));
      const logs = agencies.map((_, a) => {
        const table = tables[a] as Map<string, number>;
        const denominator = denominators[a] as number;
        let score = priors[a] as number;
        for (const gram of grams) score += Math.log((table.get(gram) ?? 0) + alpha) - denominator;
        return score;
      });
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
