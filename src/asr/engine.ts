/**
 * The speech-recognition stage's interface. The session cuts audio into utterances with the VAD
 * and opens one recognition stream per utterance; engines differ in how they fill it (streaming
 * model, two-pass, remote endpoint). All text leaving an engine is Traditional Chinese (Taiwan).
 */
export interface AsrHypothesis {
  text: string;
  /** 0..1 where the engine reports it, otherwise null. */
  confidence: number | null;
}

export interface AsrStreamOptions {
  /**
   * The call's rate, mono float32 in [-1, 1]. An engine converts to its model's rate where it runs
   * (the streaming recognizer in its worker), so the socket loop never resamples for it.
   */
  sampleRate: 8000 | 16000;
  caseId: string;
  /** Call time where this utterance starts (ms from call start). */
  startMs: number;
  channel: number;
  hotwords?: readonly string[];
}

export interface AsrStream {
  acceptWaveform(samples: Float32Array): void;
  /** Current partial hypothesis, or null when the engine does not stream or has nothing yet. */
  partial(): AsrHypothesis | null;
  /** End of utterance: the final text. May take time (offline second pass, remote call). */
  finish(): Promise<AsrHypothesis>;
  /** Drop the stream without a result (call hung up). */
  abort(): void;
}

export interface AsrEngine {
  /** e.g. `sherpa-online`, `two-pass`, `remote`. */
  readonly name: string;
  /** Model identity shown to users and recorded with each final (folder name, remote model id). */
  readonly version: string;
  readonly streamsPartials: boolean;
  createStream(options: AsrStreamOptions): AsrStream;
  close(): void;
}
