/**
 * A test double of the knowledge stage's `KnowledgeSearch`: a plain bigram-overlap ranker over a
 * given list of FAQ entries. It stands in for the real hybrid retrieval in suggestion tests; its
 * scores are not the product's and nothing measures retrieval quality with it.
 */
import type {
  AgencyContact,
  FaqEntry,
  KbUpdate,
  KnowledgeSearch,
  SearchResult,
  Tier,
} from '../../knowledge/types.js';
import { bigrams } from '../sentences.js';

export interface KnowledgeDouble extends KnowledgeSearch {
  /** Replaces the entries and notifies subscribers, like a KB import would. */
  replace(entries: readonly FaqEntry[]): void;
  /** How many searches were made (tests of the refresh policy count them). */
  searches: number;
}

export function createKnowledgeDouble(
  entries: readonly FaqEntry[],
  contacts: Readonly<Record<string, AgencyContact>> = {},
  thresholds = { hot: 0.6, cold: 0.35 },
): KnowledgeDouble {
  let indexed = entries.map((e) => ({ entry: e, grams: bigrams(e.question) }));
  let version = 1;
  const listeners = new Set<(u: KbUpdate) => void>();
  const double: KnowledgeDouble = {
    searches: 0,
    search(query, options = {}): SearchResult {
      double.searches++;
      const q = bigrams(typeof query === 'string' ? query : query.map((p) => p.text).join(' '));
      const scored = indexed
        .filter((d) => !options.agency || d.entry.agency === options.agency)
        .map((d) => {
          let hits = 0;
          for (const g of q) if (d.grams.has(g)) hits++;
          return { d, score: q.size && d.grams.size ? (2 * hits) / (q.size + d.grams.size) : 0 };
        })
        .filter((s) => s.score > 0)
        .sort((a, b) => b.score - a.score)
        .slice(0, options.k ?? 5);
      const best = scored[0]?.score ?? 0;
      const tier: Tier = best >= thresholds.hot ? 'hot' : best < thresholds.cold ? 'cold' : 'procedure';
      const top = scored[0]?.d.entry.agency;
      return {
        kb: options.kb ?? 'default',
        kb_version: version,
        took_ms: 0,
        results: scored.map(({ d, score }) => ({
          faq_id: d.entry.id,
          question: d.entry.question,
          answer: d.entry.answer,
          agency: d.entry.agency,
          score,
          // A test double: its "confidence" is its own overlap score, not a calibrated probability.
          confidence: score,
          tier: score >= thresholds.hot ? 'hot' : score < thresholds.cold ? 'cold' : 'procedure',
        })),
        tier,
        handoff: tier === 'cold' && top ? (contacts[top] ?? null) : null,
        agency: top ? { agency: top, confidence: best } : null,
      };
    },
    onUpdated(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    agencyContact: (agency) => contacts[agency] ?? null,
    replace(next) {
      indexed = next.map((e) => ({ entry: e, grams: bigrams(e.question) }));
      version++;
      for (const l of listeners) l({ kb: 'default', version });
    },
  };
  return double;
}
