import { stripFillers } from './normalize.js';
import type { QueryPart } from './types.js';

export interface CallUtterance {
  /** Corrected text of the utterance. */
  text: string;
  speaker?: 'caller' | 'agent';
}

export interface CallQueryOptions {
  /** How many earlier utterances a follow-up may draw on. */
  window?: number;
  /** Weight multiplier per step back in time (the newest has weight 1). */
  decay?: number;
  /** Extra multiplier for the agent's own words (they echo and steer, but the caller's need leads). */
  agentWeight?: number;
}

/** Words that ask something: an utterance with none of them tells a situation rather than asking. */
const QUESTION_CUE =
  /[？?]|嗎|呢|怎麼|怎樣|如何|哪|什麼|誰|幾|多少|多久|可不可以|能不能|可以|是不是|有沒有|要不要|會不會|請問|想問|為什麼|找誰/;
/** A turn that refers back to what was just discussed (那要帶什麼證件, 這樣要多少錢…); 另外/還有 start a new topic. */
const REFERS_BACK =
  /^(?:那(?!個)|那麼|這樣|這個|這種|它|他們|所以|然後|如果是|要是|就是說|那如果|那請問|那我|那要|那還)/;
/** Fewer content characters than this cannot stand alone as a question (要多少錢？, 要帶什麼？). */
const MIN_CONTENT = 5;
const FRAME_ONLY =
  /(要|請問|可以|怎麼|如何|辦|什麼|多少|錢|哪裡|哪邊|去|帶|證件|文件|資料|時間|幾點|嗎|呢|啊|喔|齁|的|了|我|你|您|是|有|沒有|會|還|也|都|就|那|這|樣|個)/g;

function contentLength(text: string): number {
  return (
    stripFillers(text)
      .replace(FRAME_ONLY, '')
      .match(/[\p{Script=Han}\p{L}\p{N}]/gu) ?? []
  ).length;
}

/** The newest turn leans on what came before: it refers back, or says too little to stand alone. */
export function isFollowUp(text: string): boolean {
  const clean = stripFillers(text).replace(/^[\s\p{P}]+/u, '');
  return REFERS_BACK.test(clean) || contentLength(clean) < MIN_CONTENT;
}

/** A caller's turn that tells a situation without asking (我住信義區。), setting up the question after it. */
export function isSituation(text: string): boolean {
  return !QUESTION_CUE.test(text);
}

/**
 * The retrieval query for a moment of a call. Each new question is answered on its own, so an earlier
 * topic never bleeds into a new one; earlier turns count only where the newest leans on them:
 * - a follow-up (那要帶什麼證件？, 要多少錢？) draws on the last few turns, decayed by age;
 * - a question right after the caller's own situation (我住信義區。… 垃圾車幾點來？) keeps that situation.
 * The agent's words weigh `agentWeight` of a caller's.
 */
export function buildCallQuery(
  utterances: readonly CallUtterance[],
  options: CallQueryOptions = {},
): QueryPart[] {
  const window = options.window ?? 3;
  const decay = options.decay ?? 0.6;
  const agentWeight = options.agentWeight ?? 0.5;
  const spoken = utterances.filter((u) => u.text.trim());
  const current = spoken[spoken.length - 1];
  if (!current) return [];
  const earlier = spoken.slice(0, -1);
  let context: CallUtterance[] = [];
  if (isFollowUp(current.text)) {
    context = earlier.slice(-(window - 1));
  } else {
    // The caller's situation turns just before this question (the agent's replies in between do not count).
    for (let i = earlier.length - 1; i >= 0 && context.length < window - 1; i--) {
      const u = earlier[i] as CallUtterance;
      if (u.speaker === 'agent') continue;
      if (!isSituation(u.text)) break;
      context.unshift(u);
    }
  }
  const parts = [...context, current];
  return parts.map((u, i) => {
    const age = parts.length - 1 - i;
    return { text: u.text, weight: decay ** age * (u.speaker === 'agent' ? agentWeight : 1) };
  });
}
