import type { DetectorSettings, DetectorStep } from './silero-detector.js';

/** How 8 kHz channels are scored: upsampled to 16 kHz (as sherpa-onnx did), or in Silero's own 8 kHz mode. */
export type TelephoneVad = 'upsample' | 'native';

export interface VadWorkerData {
  model: string;
  gate: boolean;
  telephone: TelephoneVad;
}

/** Main thread → VAD worker. Sample positions are in the channel's own rate. */
export type ToVadWorker =
  | { type: 'open'; id: number; rate: 8000 | 16000; settings: DetectorSettings; offset: number }
  | { type: 'close'; id: number }
  /**
   * One turn's audio for every channel on this worker, in arrival order: `samples` holds the frames
   * back to back, `lengths[i]` is frame i's length for channel `ids[i]`, or -1 for that channel's
   * end of audio (flush).
   */
  | { type: 'audio'; ids: Int32Array; lengths: Int32Array; samples: Int16Array };

export interface ChannelResult {
  id: number;
  /** Per accept() and flush handled, in order (positions in input samples). */
  steps: DetectorStep[];
  /** Audio before this sample is no longer needed for a segment. */
  keepFrom: number;
  /** Flushes handled so far. */
  flushes: number;
}

export type FromVadWorker = { type: 'results'; results: ChannelResult[] };
