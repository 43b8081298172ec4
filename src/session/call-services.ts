import type { AsrEngine, VadService, VadSettings } from '../asr/index.js';
import type { Config, Logger } from '../config/index.js';
import type { ServerEvent, StartMessage } from '../protocol/index.js';
import type { CallAssistantFactory } from '../suggest/index.js';
import type { TextNormalizer } from '../text/index.js';
import type { CallRecorder } from './recorder.js';

/** What every call shares, wired once by the app. */
export interface CallServices {
  config: Config;
  logger: Logger;
  /** Picks the engine (and model version) for a call; null = no ASR configured. */
  asrEngineFor(caseId: string): AsrEngine | null;
  /** Voice-activity detection for every call (worker threads); null = no VAD model configured. */
  vad: Pick<VadService, 'open'> | null;
  text: Pick<TextNormalizer, 'normalize' | 'hotwords'> | null;
  assistant: CallAssistantFactory | null;
  recorder: CallRecorder | null;
  /** Gives each case its readable number (the same one when a case is started again). */
  caseNumbers?: { assign(caseId: string, at: number): Promise<string> };
  now?: () => number;
}

export type CallState = 'live' | 'ending' | 'ended';
/** `resume_elsewhere`: this node is draining and another node of the cluster continues the call. */
export type CallCloseReason = Extract<ServerEvent, { type: 'closed' }>['reason'];

export interface CallSummary {
  case_id: string;
  /** Readable number (`1999-20261202-000123`), when numbering is wired. */
  case_no: string | null;
  /** Speech becomes text in this call (an ASR engine is configured); false = speech events only. */
  speech_to_text: boolean;
  started_at: string;
  ended_at: string | null;
  agent_id: string | null;
  /** Display name of the agent when the agent opened the stream themself. */
  agent_name: string | null;
  status: 'live' | 'ended';
  last_utterance: string | null;
  agency: string | null;
  alert_level: 'warning' | 'critical' | null;
  /** Alerts of this call no supervisor has acknowledged or taken over yet. */
  open_alerts: number;
  last_seq: number;
}

/** A call's VAD settings: what its `start` asked for, else the configured defaults. */
export function vadSettingsFor(start: StartMessage, config: Config): VadSettings {
  return {
    threshold: start.vad?.threshold ?? config.vad.threshold,
    minSilenceMs: start.vad?.min_silence_ms ?? config.vad.minSilenceMs,
    minSpeechMs: config.vad.minSpeechMs,
    maxUtteranceMs: start.vad?.max_utterance_ms ?? config.vad.maxUtteranceMs,
  };
}
