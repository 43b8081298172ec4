import type { EventBody, FeedbackMessage } from '../protocol/index.js';

/** An utterance the call assistant reacts to (text already corrected by the text stage). */
export interface AssistUtterance {
  utteranceId: string;
  text: string;
  speaker: 'caller' | 'agent';
  /** Call time of the utterance, ms from call start. */
  startMs: number;
  endMs: number;
  /** Recognizer confidence of a partial (0..1); null/absent when the engine gives none. */
  confidence?: number | null;
}

export interface CallAssistantContext {
  caseId: string;
  kb?: string;
  /** Emits suggestion, reply_delta, tool_result and alert events onto the call's ordered stream. */
  emit(event: EventBody): void;
  /** Fires when the call is aborted: answers being written are dropped and nothing more is emitted. */
  signal?: AbortSignal;
}

/** A `suggestion` event before the call stamps it. */
export type SuggestionBody = Extract<EventBody, { type: 'suggestion' }>;

/**
 * One per call. Owns the refresh policy (at most every N ms, skip unchanged, newest replaces older,
 * idempotent per utterance id), speculative suggestions on partials, urgency alerts and tools.
 */
export interface CallAssistant {
  onPartial(utterance: AssistUtterance): void;
  onFinal(utterance: AssistUtterance): void;
  /**
   * The call ended: answers being written may still land (or are dropped at once if the call is
   * aborted, see `signal`); no events after the returned promise.
   */
  close(): Promise<void>;
  /** The (non-speculative) suggestion already made for a final, so a retry gets the same one. */
  suggestionFor?(utteranceId: string): SuggestionBody | undefined;
  /** An agent acted on a suggestion (adopt / edit / reject a card…): what retrieval may learn from. */
  onFeedback?(message: FeedbackMessage, by: string | null): void;
}

/** Where the assistant reports an adopted or rejected card for what the caller said (the knowledge stage learns). */
export type LearnFromAgent = (
  input: { kb?: string; entryId: string; text: string; action: 'adopted' | 'rejected' },
  by: string | null,
) => Promise<unknown>;

export type CallAssistantFactory = (context: CallAssistantContext) => CallAssistant;

/** A case in the city's case system, as the agent's tool card shows it. */
export interface CaseRecord {
  case_no: string;
  status: string;
  agency: string;
  summary: string | null;
  /** ISO time of the last status change. */
  updated_at: string;
}

/** The city's case system (or the embedded demo one): look a case up by its number. */
export interface CaseSystem {
  /** null when no such case exists; throws `CaseSystemError` when the system cannot answer. */
  lookup(caseNo: string): Promise<CaseRecord | null>;
}

export class CaseSystemError extends Error {
  constructor(
    readonly code: 'case_system_unavailable' | 'case_system_error' | 'invalid_case',
    message: string,
  ) {
    super(message);
  }
}
