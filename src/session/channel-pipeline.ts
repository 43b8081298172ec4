import type { Logger } from '../config/index.js';
import { pcm16ToFloat32, StreamingResampler } from '../audio/index.js';
import type { AsrEngine, AsrStream } from '../asr/engine.js';
import type { VadEvent, VoiceActivityDetector } from '../asr/vad.js';
import type { EventBody, Speaker } from '../protocol/index.js';
import { AudioHistory } from './audio-history.js';

const RATE = 16000;
const PER_MS = RATE / 1000;

/** What a channel pipeline needs from its call. */
export interface ChannelHost {
  caseId: string;
  nextUtteranceId(): string;
  emit(event: EventBody): void;
  hotwords(): readonly string[];
  /** An utterance's audio is complete (called before its speech_end goes out, so it is archived first). */
  onSegment(segment: {
    utteranceId: string;
    speaker: Speaker;
    channel: number;
    startMs: number;
    endMs: number;
    samples: Float32Array;
  }): void;
  /** The utterance's final raw text is known (or the engine failed: text null). */
  onUtterance(utterance: {
    utteranceId: string;
    speaker: Speaker;
    channel: number;
    startMs: number;
    endMs: number;
    rawText: string | null;
  }): void;
  onPartial(utterance: {
    utteranceId: string;
    speaker: Speaker;
    channel: number;
    startMs: number;
    rawText: string;
    rev: number;
    confidence: number | null;
  }): void;
  logger: Logger;
}

interface OpenUtterance {
  id: string;
  startMs: number;
  stream: AsrStream | null;
  rev: number;
  lastPartialText: string;
  lastPartialAtMs: number;
}

/**
 * One speaker's leg of a call: resample to 16 kHz → Silero VAD → one recognition stream per
 * utterance (partials while speaking, the final at the VAD's end of utterance).
 */
export class ChannelPipeline {
  private readonly resampler: StreamingResampler | null;
  private readonly history: AudioHistory | null;
  private open: OpenUtterance | null = null;
  private receivedSamples = 0;
  /** Finals of one speaker leave in utterance order even when an engine answers out of order. */
  private finals: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: ChannelHost,
    readonly channel: number,
    readonly speaker: Speaker,
    inputRate: number,
    /** Null = gateway only: audio is archived by the call, nothing here needs it at 16 kHz. */
    private readonly vad: VoiceActivityDetector | null,
    private readonly engine: AsrEngine | null,
    private readonly partialIntervalMs: number,
  ) {
    this.resampler = vad ? new StreamingResampler(inputRate, RATE) : null;
    this.history = vad ? new AudioHistory(3 * RATE) : null;
  }

  push(pcm: Int16Array): void {
    if (this.resampler) this.process(this.resampler.push(pcm16ToFloat32(pcm)), false);
  }

  /** End of the call's audio: closes an open utterance. Resolves when its final is out. */
  async flush(): Promise<void> {
    if (this.resampler) this.process(this.resampler.flush(), true);
    await this.finals;
  }

  abort(): void {
    this.open?.stream?.abort();
    this.open = null;
  }

  private process(samples: Float32Array, last: boolean): void {
    if (!this.vad || !this.history) return;
    if (samples.length > 0) {
      this.history.push(samples);
      this.receivedSamples += samples.length;
    }
    const events: VadEvent[] = samples.length > 0 ? this.vad.accept(samples) : [];
    if (last) events.push(...this.vad.flush());
    const streamedBefore = this.open?.stream ? true : false;
    for (const event of events) {
      if (event.type === 'speech_start') this.startUtterance(event.startMs);
      else this.endUtterance(event.startMs, event.endMs, event.samples);
    }
    // Audio after a start that began in this chunk was already fed from the history.
    if (this.open?.stream && streamedBefore && events.length === 0) {
      this.open.stream.acceptWaveform(samples);
    }
    this.maybeEmitPartial();
  }

  private startUtterance(startMs: number): void {
    const id = this.host.nextUtteranceId();
    let stream: AsrStream | null = null;
    if (this.engine) {
      try {
        stream = this.engine.createStream({
          sampleRate: RATE,
          caseId: this.host.caseId,
          startMs,
          channel: this.channel,
          hotwords: this.host.hotwords(),
        });
        stream.acceptWaveform(this.history?.since(Math.round(startMs * PER_MS)) ?? new Float32Array(0));
      } catch (err) {
        this.host.logger.error({ err, case_id: this.host.caseId }, 'asr stream failed to open');
        this.host.emit({
          type: 'error',
          code: 'asr_failed',
          message: 'speech recognition failed for this utterance',
          fatal: false,
        });
        stream = null;
      }
    }
    this.open = { id, startMs, stream, rev: 0, lastPartialText: '', lastPartialAtMs: startMs };
    this.host.emit({
      type: 'speech_start',
      utterance_id: id,
      speaker: this.speaker,
      channel: this.channel,
      start_ms: startMs,
    });
  }

  private endUtterance(startMs: number, endMs: number, samples: Float32Array): void {
    const open = this.open ?? {
      id: this.host.nextUtteranceId(),
      startMs,
      stream: null,
      rev: 0,
      lastPartialText: '',
      lastPartialAtMs: 0,
    };
    this.open = null;
    this.host.onSegment({
      utteranceId: open.id,
      speaker: this.speaker,
      channel: this.channel,
      startMs,
      endMs,
      samples,
    });
    this.host.emit({
      type: 'speech_end',
      utterance_id: open.id,
      speaker: this.speaker,
      channel: this.channel,
      start_ms: startMs,
      end_ms: endMs,
    });
    const stream = open.stream;
    const result = stream ? stream.finish() : Promise.resolve(null);
    this.finals = this.finals.then(async () => {
      let rawText: string | null = null;
      try {
        rawText = (await result)?.text ?? null;
      } catch (err) {
        this.host.logger.error({ err, case_id: this.host.caseId, utterance_id: open.id }, 'asr final failed');
        this.host.emit({
          type: 'error',
          code: 'asr_failed',
          message: `speech recognition failed for ${open.id}`,
          fatal: false,
        });
      }
      this.host.onUtterance({
        utteranceId: open.id,
        speaker: this.speaker,
        channel: this.channel,
        startMs,
        endMs,
        rawText: stream ? rawText : null,
      });
    });
  }

  private maybeEmitPartial(): void {
    const open = this.open;
    if (!open?.stream || !this.engine?.streamsPartials) return;
    const nowMs = this.receivedSamples / PER_MS;
    if (nowMs - open.lastPartialAtMs < this.partialIntervalMs) return;
    open.lastPartialAtMs = nowMs;
    const hypothesis = open.stream.partial();
    if (!hypothesis || !hypothesis.text || hypothesis.text === open.lastPartialText) return;
    open.lastPartialText = hypothesis.text;
    open.rev += 1;
    this.host.onPartial({
      utteranceId: open.id,
      speaker: this.speaker,
      channel: this.channel,
      startMs: open.startMs,
      rawText: hypothesis.text,
      rev: open.rev,
      confidence: hypothesis.confidence,
    });
  }
}
