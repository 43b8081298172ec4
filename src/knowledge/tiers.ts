import type { RankedEntry } from './faq-index.js';
import type { Tier } from './types.js';

/**
 * Questions about the caller's own case or where a process stands: no FAQ answers those, the
 * suggestion stage's tools (case-status lookup) do.
 */
const PROCEDURE_QUESTION =
  /(案件|陳情|申請|報修|檢舉|案子|補助|申訴).{0,8}(進度|狀態|結果|到哪|好了沒|了沒有|處理了沒)|案號|(查|問)(一下)?(進度|狀態)|處理進度|進度查詢|(辦|處理)到哪/;

export function isProcedureQuestion(query: string): boolean {
  return PROCEDURE_QUESTION.test(query);
}

/**
 * The query's tier: procedure questions first; `hot` only when the top card is very likely right
 * (calibrated confidence at or above `hotConfidence`); otherwise `cold`. Tiers are advice beside the
 * cards, never a reason to hide them.
 */
export function queryTier(
  query: string,
  ranked: readonly RankedEntry[],
  confidences: readonly number[],
  hotConfidence: number,
): Tier {
  const top = ranked[0];
  const confidence = confidences[0] ?? 0;
  if (isProcedureQuestion(query) || (top?.entry.tier === 'procedure' && confidence >= hotConfidence / 2)) {
    return 'procedure';
  }
  return top && confidence >= hotConfidence ? 'hot' : 'cold';
}

/** A card's own tier: an editor's fixed tier wins, else its confidence decides. */
export function candidateTier(candidate: RankedEntry, confidence: number, hotConfidence: number): Tier {
  return candidate.entry.tier ?? (confidence >= hotConfidence ? 'hot' : 'cold');
}
