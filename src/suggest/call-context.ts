import { buildCallQuery, type QueryPart } from '../knowledge/index.js';
import type { AssistUtterance } from './types.js';

/**
 * Builds the retrieval query for the current utterance from the call so far: a text, or weighted
 * parts (the knowledge stage's `buildCallQuery` decays older utterances).
 */
export type QueryBuilder = (
  recent: readonly AssistUtterance[],
  current: AssistUtterance,
) => string | readonly QueryPart[];

/** The words of a query, for intent rules and sentence matching. */
export const queryText = (query: string | readonly QueryPart[]): string =>
  typeof query === 'string' ? query : query.map((p) => p.text).join(' ');

/**
 * The default: the knowledge stage's `buildCallQuery` over the call's recent finals and the
 * current utterance (older ones decayed, the agent's words weighted down).
 */
export const callContextQuery: QueryBuilder = (recent, current) =>
  buildCallQuery([...recent.filter((u) => u.utteranceId !== current.utteranceId), current]);

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
