/**
 * One call channel's voice-activity detection with the Silero model run elsewhere: this class holds
 * only the channel's state (the model's 1 KiB recurrent state, a few hundred pending samples and
 * counters) and asks a batched runner (`silero-model.ts`) for one speech probability per window.
 *
 * Endpointing follows sherpa-onnx's `VoiceActivityDetector` + `SileroVadModel` (v1.13) step for
 * step — windows of 32 ms plus 4 ms of look-ahead every 32 ms, the same trigger/silence state
 * machine, the same segment start (two windows and the minimum speech before detection), the same
 * switch to a 0.1 s silence and a 0.9 threshold past the maximum utterance, the same per-`accept`
 * granularity — then the session's rules on top (a speech_start estimate as soon as speech is
 * detected, an exact cut at the maximum utterance length). Numbers are float32 where sherpa's are.
 * At 16 kHz the events are sherpa-onnx's exactly; 8 kHz channels run Silero's own 8 kHz mode (sherpa
 * only runs 16 kHz, so telephone audio used to be upsampled first) at half the cost per window.
 *
 * Segment audio is not kept here: events give sample positions and the session, which keeps the
 * channel's recent audio anyway, cuts the segment from it.
 */

export type SileroRate = 8000 | 16000;

/** Window geometry at a rate: 32 ms of new samples, seen with the 4 ms after them, as sherpa feeds it. */
export const sileroWindow = (rate: SileroRate) => ({ shift: rate / 31.25, size: rate / 31.25 + rate / 250 });
/** Recurrent state per channel: 2 layers × 128. */
export const SILERO_STATE = 256;

const f32 = Math.fround;

/**
 * The cheap gate: once the model itself has scored GATE_AFTER windows in a row as clearly not
 * speech (its recurrent state has settled on the channel's silence, and keeps it), a window whose
 * energy is within GATE_MARGIN of the channel's noise floor, or below ABSOLUTE_SILENCE (≈ -80
 * dBFS), is silence without asking the model, while no speech onset is pending.
 */
const GATE_AFTER = 4;
const GATE_MARGIN = 2; // +3 dB
const ABSOLUTE_SILENCE = 1e-8;
/** The floor follows the quietest windows and rises ≈ 1.3 dB per second otherwise. */
const FLOOR_RISE = 1.01;

export interface DetectorSettings {
  threshold: number;
  minSilenceMs: number;
  minSpeechMs: number;
  maxUtteranceMs: number;
}

export type DetectorEvent =
  /** Speech began; `startMs` is an estimate (the exact start arrives with `speech_end`). */
  | { type: 'speech_start'; startMs: number }
  /** The utterance [startSample, startSample + sampleCount) of the channel's 16 kHz audio ended. */
  | { type: 'speech_end'; startMs: number; endMs: number; startSample: number; sampleCount: number };

/** One accept() or flush handled: the events it gave and how much audio had been received. */
export interface DetectorStep {
  /** Samples received with that accept() (the session feeds recognition up to here). */
  processed: number;
  events: DetectorEvent[];
}

/** Where the channel stands after the work done so far. */
export interface DetectorProgress {
  /** Earliest sample a future segment can start at: audio before it is no longer needed. */
  keepFrom: number;
  /** Flushes handled so far. */
  flushes: number;
}

export class SileroDetector {
  readonly window: { shift: number; size: number };
  /** The model's recurrent state, read and written by the runner. */
  readonly state = new Float32Array(SILERO_STATE);
  private readonly queue: Array<Int16Array | Float32Array | 'flush'> = [];
  private events: DetectorEvent[] = [];
  private steps: DetectorStep[] = [];

  // Samples not yet in a window (sherpa's `last_`).
  private pending: Float32Array;
  private pendingLength = 0;
  // The accept() being worked through: its windows left, the next one's offset, any speech in it.
  private windowsLeft = -1;
  private windowOffset = 0;
  private frameSpeech = false;
  private awaitingModel = false;

  // SileroVadModel.
  private readonly configThreshold: number;
  /** A window scored below this is clearly not speech. */
  private readonly gateProbability: number;
  private readonly configMinSilence: number;
  private readonly minSpeechSamples: number;
  private readonly maxUtteranceSamples: number;
  private threshold: number;
  private minSilenceSamples: number;
  private triggered = false;
  private currentSample = 0;
  private tempStart = 0;
  private tempEnd = 0;

  // VoiceActivityDetector: its buffer's head and tail (absolute sample indices) and segment start.
  private head = 0;
  private tail = 0;
  private start = -1;

  // The session's rules.
  private inSpeech = false;
  private received = 0;
  private flushes = 0;
  private lastEndMs = 0;
  private speechStartMs = 0;

  // The gate.
  /** Consecutive windows the model itself scored as clearly not speech. */
  private quietScored = 0;
  private noiseFloor = 0;
  private gatedWindows = 0;
  private modelWindows = 0;

  private readonly perMs: number;
  private readonly overlongMinSilence: number;

  constructor(
    private readonly settings: DetectorSettings,
    readonly rate: SileroRate,
    private readonly gate = true,
    /** Absolute position of the first sample (a detector replacing a failed one mid-call). */
    offset = 0,
  ) {
    this.window = sileroWindow(rate);
    // Room for 200 ms frames; grows for larger ones.
    this.pending = new Float32Array(rate / 5 + this.window.size);
    this.perMs = rate / 1000;
    // sherpa-onnx: `int32 = sample_rate * float seconds`, the product in float32.
    const samplesOf = (seconds: number) => Math.trunc(f32(rate * f32(seconds)));
    // Past the maximum utterance sherpa-onnx ends speech on 0.1 s of silence at threshold 0.9.
    this.overlongMinSilence = samplesOf(0.1);
    this.head = this.tail = this.received = offset;
    this.lastEndMs = Math.round(offset / this.perMs);
    this.configThreshold = f32(settings.threshold);
    this.gateProbability = Math.min(0.1, this.configThreshold / 2);
    this.configMinSilence = samplesOf(settings.minSilenceMs / 1000);
    this.minSpeechSamples = samplesOf(settings.minSpeechMs / 1000);
    this.maxUtteranceSamples = samplesOf(settings.maxUtteranceMs / 1000);
    this.threshold = this.configThreshold;
    this.minSilenceSamples = this.configMinSilence;
  }

  /** Queues one accept() worth of audio at the detector's rate (PCM16 or float); handled in order. */
  accept(samples: Int16Array | Float32Array): void {
    this.queue.push(samples);
  }

  /** Queues the end of audio: closes an open utterance once everything before it is handled. */
  flush(): void {
    this.queue.push('flush');
  }

  /** True while queued audio or a window awaiting the model is left. */
  get busy(): boolean {
    return this.queue.length > 0 || this.windowsLeft >= 0;
  }

  /**
   * The next window the model must score, or null when everything queued is handled. Windows the
   * gate passes, accept() calls without a full window and flushes are handled on the way.
   */
  nextWindow(): Float32Array | null {
    for (;;) {
      if (this.windowsLeft < 0) {
        if (!this.beginNext()) return null;
        continue;
      }
      if (this.windowsLeft === 0) {
        this.endAccept();
        continue;
      }
      const window = this.pending.subarray(this.windowOffset, this.windowOffset + this.window.size);
      if (this.awaitingModel) return window;
      if (this.gated(window)) {
        this.gatedWindows++;
        this.score(0);
        continue;
      }
      this.awaitingModel = true;
      return window;
    }
  }

  /** The model's speech probability for the window `nextWindow` returned (state already updated). */
  scored(probability: number): void {
    if (!this.awaitingModel) throw new Error('scored() without a window awaiting the model');
    this.awaitingModel = false;
    this.modelWindows++;
    this.quietScored = probability < this.gateProbability ? this.quietScored + 1 : 0;
    this.score(probability);
  }

  /** Steps (accept() calls and flushes handled) since the last call, in order. */
  takeSteps(): DetectorStep[] {
    const steps = this.steps;
    this.steps = [];
    return steps;
  }

  get progress(): DetectorProgress {
    return { keepFrom: this.head, flushes: this.flushes };
  }

  /** Windows scored by the model and windows the gate passed as silence. */
  get windowCounts(): { model: number; gated: number } {
    return { model: this.modelWindows, gated: this.gatedWindows };
  }

  /** Starts the next queued accept() (sherpa's AcceptWaveform prologue) or flush. */
  private beginNext(): boolean {
    const next = this.queue.shift();
    if (next === undefined) return false;
    if (next === 'flush') {
      this.flushNow();
      this.flushes++;
      this.endStep();
      return true;
    }
    const overlong = this.tail - this.head > this.maxUtteranceSamples;
    this.minSilenceSamples = overlong ? this.overlongMinSilence : this.configMinSilence;
    this.threshold = overlong ? f32(0.9) : this.configThreshold;
    this.append(next);
    this.received += next.length;
    this.frameSpeech = false;
    this.windowOffset = 0;
    if (this.pendingLength < this.window.size) {
      // sherpa returns before any segment logic; the session's rules still run.
      this.windowsLeft = -1;
      this.afterAccept();
      return true;
    }
    this.windowsLeft = Math.floor((this.pendingLength - this.window.size) / this.window.shift) + 1;
    return true;
  }

  private append(samples: Int16Array | Float32Array): void {
    const needed = this.pendingLength + samples.length;
    if (needed > this.pending.length) {
      const grown = new Float32Array(Math.max(needed, this.pending.length * 2));
      grown.set(this.pending.subarray(0, this.pendingLength));
      this.pending = grown;
    }
    if (samples instanceof Float32Array) this.pending.set(samples, this.pendingLength);
    else
      for (let i = 0; i < samples.length; i++)
        this.pending[this.pendingLength + i] = (samples[i] as number) / 32768;
    this.pendingLength = needed;
  }

  private gated(window: Float32Array): boolean {
    let sum = 0;
    for (let i = 0; i < window.length; i++) sum += (window[i] as number) * (window[i] as number);
    const energy = sum / window.length;
    const floor = this.noiseFloor;
    this.noiseFloor = floor === 0 || energy < floor ? energy : floor * FLOOR_RISE;
    if (!this.gate || this.tempStart !== 0 || this.quietScored < GATE_AFTER) return false;
    return energy < ABSOLUTE_SILENCE || energy < floor * GATE_MARGIN;
  }

  /** One window's probability through sherpa's buffer push and `IsSpeech`. */
  private score(probability: number): void {
    this.tail += this.window.shift;
    this.windowOffset += this.window.shift;
    this.windowsLeft--;
    if (this.isSpeech(probability)) this.frameSpeech = true;
  }

  private isSpeech(p: number): boolean {
    const threshold = this.threshold;
    this.currentSample += this.window.shift;
    if (p > threshold && this.tempEnd !== 0) this.tempEnd = 0;
    if (p > threshold && this.tempStart === 0) {
      this.tempStart = this.currentSample;
      return false;
    }
    if (p > threshold && this.tempStart !== 0 && !this.triggered) {
      if (this.currentSample - this.tempStart < this.minSpeechSamples) return false;
      this.triggered = true;
      return true;
    }
    if (p < threshold && !this.triggered) {
      this.tempStart = 0;
      this.tempEnd = 0;
      return false;
    }
    const negThreshold = Math.max(f32(threshold - f32(0.15)), f32(0.01));
    if (p > negThreshold && this.triggered) return true;
    if (p > threshold && !this.triggered) {
      this.triggered = true;
      return true;
    }
    if (p < threshold && this.triggered) {
      if (this.tempEnd === 0) this.tempEnd = this.currentSample;
      if (this.currentSample - this.tempEnd < this.minSilenceSamples) return true;
      this.tempStart = 0;
      this.tempEnd = 0;
      this.triggered = false;
      return false;
    }
    return false;
  }

  /** The end of sherpa's AcceptWaveform: segment bookkeeping for the accept() as a whole. */
  private endAccept(): void {
    const used = this.windowOffset;
    this.pending.copyWithin(0, used, this.pendingLength);
    this.pendingLength -= used;
    this.windowsLeft = -1;
    const lookBack = 2 * this.window.size + this.minSpeechSamples;
    if (this.frameSpeech) {
      if (this.start === -1) this.start = Math.max(this.tail - lookBack, this.head);
    } else {
      if (this.start !== -1 && this.tail > this.head) {
        const end = this.tail - this.minSilenceSamples;
        this.segment(this.start, end - this.start);
        this.pop(end - this.head);
      }
      if (this.start === -1) {
        const n = Math.max(0, this.tail - lookBack - this.head);
        if (n > 0) this.pop(n);
      }
      this.start = -1;
    }
    this.afterAccept();
  }

  /** The session's rules after each accept(): detection → speech_start, the exact maximum cut. */
  private afterAccept(): void {
    const receivedMs = this.received / this.perMs;
    if (this.start !== -1 && !this.inSpeech) {
      this.inSpeech = true;
      // Silero needs minSpeechMs (plus one 32 ms window) of speech before it says so.
      const estimate = receivedMs - this.settings.minSpeechMs - 32;
      this.speechStartMs = Math.round(Math.max(this.lastEndMs, estimate, 0));
      this.events.push({ type: 'speech_start', startMs: this.speechStartMs });
    } else if (this.inSpeech && receivedMs - this.speechStartMs >= this.settings.maxUtteranceMs) {
      // sherpa-onnx's own limit overshoots by a second or more; cut exactly here instead.
      this.flushNow();
    }
    this.endStep();
  }

  private endStep(): void {
    this.steps.push({ processed: this.received, events: this.events });
    this.events = [];
  }

  /** sherpa's Flush: the open segment ends at what has been windowed so far. */
  private flushNow(): void {
    if (this.start === -1 || this.tail === this.head) return;
    const end = this.tail;
    if (end <= this.start) return;
    this.segment(this.start, end - this.start);
    this.pop(end - this.head);
    this.start = -1;
  }

  /** A finished segment (sherpa's `Get`: an invalid range gives an empty segment). */
  private segment(start: number, n: number): void {
    const size = this.tail - this.head;
    const valid =
      start >= this.head && start < this.tail && n >= 0 && n <= size && start - this.head + n <= size;
    const sampleCount = valid ? n : 0;
    const startMs = Math.round(start / this.perMs);
    const endMs = Math.round((start + sampleCount) / this.perMs);
    if (!this.inSpeech) this.events.push({ type: 'speech_start', startMs });
    this.events.push({ type: 'speech_end', startMs, endMs, startSample: start, sampleCount });
    this.inSpeech = false;
    this.lastEndMs = endMs;
  }

  private pop(n: number): void {
    if (n >= 0 && n <= this.tail - this.head) this.head += n;
  }
}
