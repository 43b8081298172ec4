import type { QueryPart } from '../knowledge/types.js';
import type { AssistUtterance } from './types.js';

/**
 * Builds the retrieval query for the current utterance from the call so far: a text, or weighted
 * parts (the knowledge stage's `buildCallQuery` decays older utterances).
 */
export type QueryBuilder = (recent: readonly AssistUtterance[], current: AssistUtterance) => string | readonly QueryPart[];

/** The words of a query, for intent rules and sentence matching. */
export const queryText = (query: string | readonly QueryPart[]): string =>
  typeof query === 'string' ? query : query.map((p) => p.text).join(' ');

const CONTEXT_WINDOW_MS = 30_000;
const SHORT_UTTERANCE_CHARS = 12;

/**
 * Until the knowledge stage's decayed multi-utterance builder is wired in, a conservative one:
 * the caller's current words, preceded by their previous utterance when the current one is short
 * (a follow-up like "那要帶什麼？" only makes sense with what came before).
 */
export const recentCallerQuery: QueryBuilder = (recent, current) => {
  if (current.text.length >= SHORT_UTTERANCE_CHARS) return current.text;
  const previous = [...recent]
    .reverse()
    .find((u) => u.speaker === 'caller' && u.utteranceId !== current.utteranceId && current.startMs - u.endMs < CONTEXT_WINDOW_MS);
  return previous ? `${previous.text} ${current.text}` : current.text;
};

/** The last few finals of a call, oldest first. */
export class CallHistory {
  private readonly finals: AssistUtterance[] = [];
  constructor(private readonly keep = 8) {}

  add(utterance: AssistUtterance): void {
    this.finals.push(utterance);
    if (this.finals.length > this.keep) this.finals.shift();
  }

  recent(): readonly AssistUtterance[] {
    return this.finals;
  }

  /** Labelled lines for an LLM prompt. */
  lines(current?: AssistUtterance): string[] {
    const all = current && !this.finals.includes(current) ? [...this.finals, current] : this.finals;
    return all.map((u) => `${u.speaker === 'caller' ? '民眾' : '話務員'}：${u.text}`);
  }
}
