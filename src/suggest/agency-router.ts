import type { Logger } from '../config/index.js';
import type { FaqEntry, KnowledgeSearch } from '../knowledge/types.js';
import { bigrams } from './sentences.js';

/** An agency guess for an utterance window, best first. */
export interface AgencyGuess {
  agency: string;
  /** Posterior probability under the model (0..1). */
  confidence: number;
}

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

export type LabelledEntry = Pick<FaqEntry, 'question' | 'answer' | 'agency'>;

/**
 * Multinomial naive Bayes over character bigrams, trained from the knowledge base's own labels
 * (the agency of each FAQ entry). Retrains in milliseconds, so a new KB version brings a new router.
 */
export function trainAgencyRouter(
  entries: readonly LabelledEntry[],
  options: TrainOptions = {},
): AgencyRouter {
  const answerWeight = options.answerWeight ?? 0.1;
  const alpha = options.alpha ?? 0.01;
  const counts = new Map<string, Map<string, number>>();
  const totals = new Map<string, number>();
  const docs = new Map<string, number>();
  const vocabulary = new Set<string>();
  const add = (agency: string, text: string, weight: number) => {
    let table = counts.get(agency);
    if (!table) counts.set(agency, (table = new Map()));
    for (const gram of bigrams(text)) {
      table.set(gram, (table.get(gram) ?? 0) + weight);
      totals.set(agency, (totals.get(agency) ?? 0) + weight);
      vocabulary.add(gram);
    }
  };
  for (const entry of entries) {
    if (!entry.agency) continue;
    docs.set(entry.agency, (docs.get(entry.agency) ?? 0) + 1);
    add(entry.agency, entry.question, 1);
    add(entry.agency, entry.answer.slice(0, 400), answerWeight);
  }
  const agencies = [...counts.keys()];
  const n = entries.length || 1;
  const v = vocabulary.size || 1;
  const priors = new Map(agencies.map((a) => [a, Math.log((docs.get(a) ?? 0) / n)]));
  return {
    agencies,
    route(text, k = 3) {
      const grams = [...bigrams(text)].filter((g) => vocabulary.has(g));
      const logs = agencies.map((agency) => {
        const table = counts.get(agency) as Map<string, number>;
        const denominator = Math.log((totals.get(agency) ?? 0) + alpha * v);
        let score = priors.get(agency) ?? 0;
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

export interface LiveRouterOptions {
  knowledge: KnowledgeSearch;
  /** The KB whose labels train the router. */
  kb: string;
  /** Loads the KB's current entries, e.g. `(kb) => kbRepository.entries(kb)`. */
  load: (kb: string) => Promise<readonly LabelledEntry[]>;
  logger?: Logger;
}

/**
 * A router that follows the knowledge base: trained from its entries now, and retrained (then
 * swapped in) whenever a new version of that KB is activated. `close()` stops following.
 */
export async function createLiveAgencyRouter(
  options: LiveRouterOptions,
): Promise<AgencyRouter & { close(): void }> {
  let current = trainAgencyRouter(await options.load(options.kb));
  const unsubscribe = options.knowledge.onUpdated((update) => {
    if (update.kb !== options.kb) return;
    options
      .load(options.kb)
      .then((entries) => {
        current = trainAgencyRouter(entries);
      })
      .catch((err: unknown) =>
        options.logger?.error({ err }, 'agency router: retraining failed; keeping the old one'),
      );
  });
  return {
    get agencies() {
      return current.agencies;
    },
    route: (text, k) => current.route(text, k),
    close: unsubscribe,
  };
}
