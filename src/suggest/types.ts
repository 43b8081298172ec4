import type { EventBody } from '../protocol/index.js';

/** An utterance the call assistant reacts to (text already corrected by the text stage). */
export interface AssistUtterance {
  utteranceId: string;
  text: string;
  speaker: 'caller' | 'agent';
  /** Call time of the utterance, ms from call start. */
  startMs: number;
  endMs: number;
}

export interface CallAssistantContext {
  caseId: string;
  kb?: string;
  /** Emits suggestion, reply_delta, tool_result and alert events onto the call's ordered stream. */
  emit(event: EventBody): void;
}

/**
 * One per call. Owns the refresh policy (at most every N ms, skip unchanged, newest replaces older,
 * idempotent per utterance id), speculative suggestions on partials, urgency alerts and tools.
 */
export interface CallAssistant {
  onPartial(utterance: AssistUtterance): void;
  onFinal(utterance: AssistUtterance): void;
  /** The call ended: pending work is flushed or cancelled; no events after the returned promise. */
  close(): Promise<void>;
}

export type CallAssistantFactory = (context: CallAssistantContext) => CallAssistant;
