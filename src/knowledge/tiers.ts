import type { RankedEntry } from './faq-index.js';
import type { Tier } from './types.js';

export interface TierPolicy {
  /** Top score at or above which the best entry answers the question directly. */
  hotThreshold: number;
  /** Candidates below this score are not shown; a top score below it is certainly cold. */
  coldThreshold: number;
  /** How far the best entry must lead the best entry with a different question to be hot. */
  hotMargin: number;
}

/**
 * Questions about the caller's own case or where a process stands: no FAQ answers those, the
 * suggestion stage's tools (case-status lookup) do.
 */
const PROCEDURE_QUESTION =
  /(案件|陳情|申請|報修|檢舉|案子|補助|申訴).{0,8}(進度|狀態|結果|到哪|好了沒|了沒有|處理了沒)|案號|(查|問)(一下)?(進度|狀態)|處理進度|進度查詢|(辦|處理)到哪/;

export function isProcedureQuestion(query: string): boolean {
  return PROCEDURE_QUESTION.test(query);
}

/** The query's tier: procedure questions first, then hot only with a clear lead, else cold. */
export function queryTier(query: string, ranked: readonly RankedEntry[], policy: TierPolicy): Tier {
  const top = ranked[0];
  if (isProcedureQuestion(query) || (top?.entry.tier === 'procedure' && top.score >= policy.coldThreshold)) {
    return 'procedure';
  }
  if (!top || top.score < policy.hotThreshold) return 'cold';
  // Entries repeating the top question (same text under several agencies/pages) are not rivals.
  const rival = ranked.find((r) => r.entry.question.trim() !== top.entry.question.trim());
  return !rival || top.score - rival.score >= policy.hotMargin ? 'hot' : 'cold';
}

/** A candidate's own tier: an editor's fixed tier wins, else its score decides. */
export function candidateTier(candidate: RankedEntry, policy: TierPolicy): Tier {
  return candidate.entry.tier ?? (candidate.score >= policy.hotThreshold ? 'hot' : 'cold');
}
