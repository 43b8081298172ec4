import type { AudioFormat, ServerEvent, Speaker } from '../protocol/index.js';

export interface CallStartInfo {
  caseId: string;
  agentId?: string;
  /** Principal that opened the stream. */
  openedBy?: string;
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
 * call; implementations must not throw into the pipeline (log and keep going).
 */
export interface CallRecorder {
  callStarted(info: CallStartInfo): Promise<void>;
  /** The call's audio as received, decoded to PCM16 at the call's own sample rate, one array per channel. */
  callAudio(caseId: string, channels: Int16Array[]): void;
  utteranceAudio(segment: UtteranceAudio): void;
  /** Every event of the call's stream (finals, suggestions, alerts…) and agent feedback. */
  event(event: ServerEvent): void;
  callEnded(caseId: string, reason: 'end' | 'timeout' | 'server_shutdown'): Promise<void>;
}
