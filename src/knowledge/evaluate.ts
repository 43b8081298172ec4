import type { FaqEntry } from './types.js';

/** One evaluation query: `gold_ids` empty means the KB cannot answer it (it should come out cold). */
export interface EvalQuery {
  query: string;
  gold_ids: string[];
  kind?: string;
}

export interface RetrievalMetrics {
  n: number;
  recall1: number;
  recall3: number;
  recall10: number;
  mrr: number;
  p50_ms: number;
  p99_ms: number;
}

export interface RankedIds {
  ids: string[];
  ms: number;
}

export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/**
 * Entries with the same question text are the same answer for scoring (the Taipei KB has 168 such
 * groups): a gold id stands for every entry sharing its question.
 */
export function goldExpander(entries: readonly FaqEntry[]): (gold: readonly string[]) => Set<string> {
  const byQuestion = new Map<string, string[]>();
  const questionOf = new Map<string, string>();
  for (const e of entries) {
    const q = e.question.trim();
    questionOf.set(e.id, q);
    byQuestion.set(q, [...(byQuestion.get(q) ?? []), e.id]);
  }
  return (gold) => {
    const out = new Set<string>();
    for (const id of gold) {
      out.add(id);
      for (const same of byQuestion.get(questionOf.get(id) ?? '') ?? []) out.add(same);
    }
    return out;
  };
}

/** Recall@1/3/10 and MRR (cut at the ranking's length) over answerable queries; latency over all. */
export function scoreRankings(
  queries: readonly EvalQuery[],
  rankings: readonly RankedIds[],
  expand: (gold: readonly string[]) => Set<string>,
): RetrievalMetrics {
  let n = 0;
  const hits = { 1: 0, 3: 0, 10: 0 };
  let rr = 0;
  queries.forEach((q, i) => {
    if (!q.gold_ids.length) return;
    n++;
    const gold = expand(q.gold_ids);
    const rank = (rankings[i]?.ids ?? []).findIndex((id) => gold.has(id));
    if (rank < 0) return;
    if (rank < 1) hits[1]++;
    if (rank < 3) hits[3]++;
    if (rank < 10) hits[10]++;
    rr += 1 / (rank + 1);
  });
  const ms = rankings.map((r) => r.ms);
  const ratio = (x: number) => (n ? round(x / n) : 0);
  return {
    n,
    recall1: ratio(hits[1]),
    recall3: ratio(hits[3]),
    recall10: ratio(hits[10]),
    mrr: ratio(rr),
    p50_ms: round(percentile(ms, 50)),
    p99_ms: round(percentile(ms, 99)),
  };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
