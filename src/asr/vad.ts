import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';

/** Endpointing settings (ms), per call: defaults from config, overridable in `start`. */
export interface VadSettings {
  model: string;
  threshold: number;
  minSilenceMs: number;
  minSpeechMs: number;
  maxUtteranceMs: number;
}

export type VadEvent =
  /** Speech began; `startMs` is an estimate (the exact start arrives with `speech_end`). */
  | { type: 'speech_start'; startMs: number }
  /** The utterance ended after the trailing silence (or hit the maximum length). */
  | { type: 'speech_end'; startMs: number; endMs: number; samples: Float32Array };

interface SherpaSegment {
  start: number;
  samples: Float32Array;
}
interface SherpaVad {
  acceptWaveform(samples: Float32Array): void;
  isEmpty(): boolean;
  isDetected(): boolean;
  front(enableExternalBuffer?: boolean): SherpaSegment;
  pop(): void;
  flush(): void;
  reset(): void;
}
const require = createRequire(import.meta.url);
const sherpa = require('sherpa-onnx-node') as {
  Vad: new (config: Record<string, unknown>, bufferSizeInSeconds: number) => SherpaVad;
};

const SAMPLE_RATE = 16000;
const SAMPLES_PER_MS = SAMPLE_RATE / 1000;

export class VadModelMissingError extends Error {
  readonly code = 'vad_model_missing';
}

/**
 * Silero VAD through sherpa-onnx, one per call channel, fed 16 kHz float audio. Turns sherpa's
 * "currently detected" flag and its completed segments into start/end events in call time.
 */
export class VoiceActivityDetector {
  private readonly vad: SherpaVad;
  private inSpeech = false;
  private receivedSamples = 0;
  private lastEndMs = 0;
  private speechStartMs = 0;

  constructor(private readonly settings: VadSettings) {
    if (!existsSync(settings.model)) throw new VadModelMissingError(`VAD model not found: ${settings.model}`);
    this.vad = new sherpa.Vad(
      {
        sileroVad: {
          model: settings.model,
          threshold: settings.threshold,
          minSilenceDuration: settings.minSilenceMs / 1000,
          minSpeechDuration: settings.minSpeechMs / 1000,
          maxSpeechDuration: settings.maxUtteranceMs / 1000,
          windowSize: 512,
        },
        sampleRate: SAMPLE_RATE,
        numThreads: 1,
        provider: 'cpu',
        debug: false,
      },
      Math.ceil(settings.maxUtteranceMs / 1000) + 10,
    );
  }

  get key(): string {
    return settingsKey(this.settings);
  }

  /** Back to the state of a new detector (for reuse by the next call). */
  reset(): void {
    this.vad.reset();
    this.inSpeech = false;
    this.receivedSamples = 0;
    this.lastEndMs = 0;
    this.speechStartMs = 0;
  }

  /** Call time of the audio received so far. */
  get receivedMs(): number {
    return this.receivedSamples / SAMPLES_PER_MS;
  }

  get speaking(): boolean {
    return this.inSpeech;
  }

  accept(samples: Float32Array): VadEvent[] {
    this.vad.acceptWaveform(samples);
    this.receivedSamples += samples.length;
    const events = this.drainSegments();
    const detected = this.vad.isDetected();
    if (detected && !this.inSpeech) {
      this.inSpeech = true;
      // Silero needs minSpeechMs (plus one 32 ms window) of speech before it says so.
      const estimate = this.receivedMs - this.settings.minSpeechMs - 32;
      this.speechStartMs = Math.round(Math.max(this.lastEndMs, estimate, 0));
      events.push({ type: 'speech_start', startMs: this.speechStartMs });
    } else if (this.inSpeech && this.receivedMs - this.speechStartMs >= this.settings.maxUtteranceMs) {
      // sherpa-onnx's own limit overshoots by a second or more; cut exactly here instead.
      events.push(...this.flush());
    }
    return events;
  }

  /** End of audio: closes an open utterance. */
  flush(): VadEvent[] {
    this.vad.flush();
    return this.drainSegments();
  }

  private drainSegments(): VadEvent[] {
    const events: VadEvent[] = [];
    while (!this.vad.isEmpty()) {
      const segment = this.vad.front(false);
      this.vad.pop();
      const startMs = Math.round(segment.start / SAMPLES_PER_MS);
      const endMs = Math.round((segment.start + segment.samples.length) / SAMPLES_PER_MS);
      if (!this.inSpeech) events.push({ type: 'speech_start', startMs });
      events.push({ type: 'speech_end', startMs, endMs, samples: segment.samples });
      this.inSpeech = false;
      this.lastEndMs = endMs;
    }
    return events;
  }
}

const settingsKey = (s: VadSettings): string =>
  [s.model, s.threshold, s.minSilenceMs, s.minSpeechMs, s.maxUtteranceMs].join('|');

/**
 * Reuses detectors across calls. Creating one loads an ONNX session (~50 ms on the event loop,
 * ~10 MiB), which would stall every other call at each call start; a reset detector is as new.
 */
export class VadPool {
  private readonly idle = new Map<string, VoiceActivityDetector[]>();

  constructor(private readonly maxIdlePerSetting = 512) {}

  acquire(settings: VadSettings): VoiceActivityDetector {
    return this.idle.get(settingsKey(settings))?.pop() ?? new VoiceActivityDetector(settings);
  }

  release(detector: VoiceActivityDetector): void {
    detector.reset();
    const list = this.idle.get(detector.key) ?? [];
    if (list.length < this.maxIdlePerSetting) list.push(detector);
    this.idle.set(detector.key, list);
  }

  get idleCount(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }
}
