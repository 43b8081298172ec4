import type { AudioFormat, ErrorCode, Principal, ServerEvent, Speaker } from '../protocol/index.js';

/**
 * Why the recorder refused: a new stream for a case that is already archived or on hold
 * (`case_archived`), someone else's case (`forbidden`), or storage that cannot take the data
 * (`storage_unavailable`: nothing that depends on it may be acknowledged).
 */
export class RecorderError extends Error {
  constructor(
    readonly code: Extract<ErrorCode, 'case_archived' | 'forbidden' | 'storage_unavailable'>,
    message: string,
  ) {
    super(message);
  }
}

export type CallEndReason = 'end' | 'timeout' | 'server_shutdown' | 'storage_unavailable';

export interface CallStartInfo {
  caseId: string;
  agentId?: string;
  /** Principal that opened the stream. */
  openedBy?: string;
  /** The same principal in full (ownership checks of a case id already in the archive). */
  principal?: Principal | null;
  startedAt: Date;
  format: AudioFormat;
  sampleRate: number;
  channels: number;
  asrVersion: string | null;
}

export interface UtteranceAudio {
  caseId: string;
  utteranceId: string;
  speaker: Speaker;
  channel: number;
  startMs: number;
  endMs: number;
  /** Mono PCM16 of the utterance, at `sampleRate`. */
  pcm: Int16Array;
  /** The call's own rate (8 or 16 kHz): what was received, not resampled. */
  sampleRate: number;
}

/**
 * Port through which a live call is archived as it happens (implemented by the cases stage), so
 * nothing is lost if the client never sends the end-of-call record. Calls are made in order per
 * call. Each method takes its item at once, in order; writes are group-committed off the event
 * loop, and the promise a method returns resolves once that item and every earlier one of the
 * call are durable. It throws or rejects with a `RecorderError` when that is impossible, and the
 * pipeline must not acknowledge the item before it resolves, nor at all after a failure (no
 * `speech_end`, `final` or `closed` for it). Database writes behind a durable journal may lag and
 * are never reported here.
 */
export interface CallRecorder {
  /** Refuses (RecorderError) a case id that is archived, on hold or someone else's, or storage that is down. */
  callStarted(info: CallStartInfo): Promise<void>;
  /**
   * The call's audio as received, decoded to PCM16 at the call's own sample rate, one array per
   * channel. Nothing acknowledges audio by itself; throws once the call's storage has failed.
   */
  callAudio(caseId: string, channels: Int16Array[]): void;
  utteranceAudio(segment: UtteranceAudio): Promise<void>;
  /**
   * Every event of the call's stream, before any client sees it (finals, suggestions, alerts…)
   * and agent feedback. Nothing returned: the event stores nothing.
   */
  event(event: ServerEvent): Promise<void> | void;
  callEnded(caseId: string, reason: CallEndReason): Promise<void>;
}
