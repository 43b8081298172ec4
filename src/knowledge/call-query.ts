import type { QueryPart } from './types.js';

export interface CallUtterance {
  /** Corrected text of the utterance. */
  text: string;
  speaker?: 'caller' | 'agent';
}

export interface CallQueryOptions {
  /** How many of the latest utterances count. */
  window?: number;
  /** Weight multiplier per step back in time (the newest has weight 1). */
  decay?: number;
  /** Extra multiplier for the agent's own words (they echo and steer, but the caller's need leads). */
  agentWeight?: number;
}

/**
 * The retrieval query for a moment of a call: the last few corrected utterances (oldest first in
 * `utterances`), each weighted `decay^age`, so the newest words lead while context such as the
 * district said two sentences earlier still counts.
 */
export function buildCallQuery(
  utterances: readonly CallUtterance[],
  options: CallQueryOptions = {},
): QueryPart[] {
  const window = options.window ?? 3;
  const decay = options.decay ?? 0.6;
  const agentWeight = options.agentWeight ?? 0.5;
  const recent = utterances.filter((u) => u.text.trim()).slice(-window);
  return recent.map((u, i) => {
    const age = recent.length - 1 - i;
    return { text: u.text, weight: decay ** age * (u.speaker === 'agent' ? agentWeight : 1) };
  });
}
