import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import type { DetectorEvent, DetectorSettings } from '../silero-detector.js';

/** The product detector's settings, and the Silero model file sherpa-onnx loads itself. */
export type SherpaVadSettings = DetectorSettings & { model: string };

export type SherpaVadEvent =
  | Extract<DetectorEvent, { type: 'speech_start' }>
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
}
const require = createRequire(import.meta.url);
const sherpa = require('sherpa-onnx-node') as {
  Vad: new (config: Record<string, unknown>, bufferSizeInSeconds: number) => SherpaVad;
};

const SAMPLE_RATE = 16000;
const SAMPLES_PER_MS = SAMPLE_RATE / 1000;

/**
 * REFERENCE FOR COMPARISON — not the product's VAD. Silero VAD through sherpa-onnx's own Vad (a
 * ~9 MB ONNX session per channel), exactly as the session ran it before the batched detector
 * (`silero-detector.ts`): fed 16 kHz float audio, sherpa's "currently detected" flag and its
 * segments turned into start/end events in call time. Tests and `bench:vad-agreement` hold the
 * product's detector against it.
 */
export class SherpaVadReference {
  private readonly vad: SherpaVad;
  private inSpeech = false;
  private receivedSamples = 0;
  private lastEndMs = 0;
  private speechStartMs = 0;

  constructor(private readonly settings: SherpaVadSettings) {
    if (!existsSync(settings.model)) throw new Error(`VAD model not found: ${settings.model}`);
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

  /** Call time of the audio received so far. */
  get receivedMs(): number {
    return this.receivedSamples / SAMPLES_PER_MS;
  }

  get speaking(): boolean {
    return this.inSpeech;
  }

  accept(samples: Float32Array): SherpaVadEvent[] {
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
  flush(): SherpaVadEvent[] {
    this.vad.flush();
    return this.drainSegments();
  }

  private drainSegments(): SherpaVadEvent[] {
    const events: SherpaVadEvent[] = [];
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
