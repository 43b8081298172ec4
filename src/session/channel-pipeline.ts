import type { Logger } from '../config/index.js';
import { pcm16ToFloat32 } from '../audio/index.js';
import type {
  AsrEngine,
  AsrStream,
  VadChannel,
  VadEvent,
  VadResult,
  VadService,
  VadSettings,
  VadModelError,
} from '../asr/index.js';
import type { EventBody, Speaker } from '../protocol/index.js';
import { ChannelAudio } from './channel-audio.js';
import { untilAborted } from './abortable.js';
import type { UtteranceAudio } from './recorder.js';

/** What a channel pipeline needs from its call. */
export interface ChannelHost {
  caseId: string;
  nextUtteranceId(): string;
  emit(event: EventBody): void;
  hotwords(): readonly string[];
  /** An utterance's audio is complete (called before its speech_end goes out, so it is archived first). */
  onSegment(segment: Omit<UtteranceAudio, 'caseId'>): void;
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
  /** Fires when the call is aborted: open recognitions and late results are dropped. */
  signal: AbortSignal;
}

interface OpenUtterance {
  id: string;
  startMs: number;
  stream: AsrStream | null;
  /** The recognizer has been fed up to this channel sample. */
  fedUpTo: number;
  rev: number;
  lastPartialText: string;
  lastPartialAtMs: number;
}

/**
 * One speaker's leg of a call: its audio goes to the VAD service (a worker thread) and is kept here
 * until the VAD says it can no longer be part of a segment; the VAD's events, which arrive a few
 * milliseconds later and in order, open one recognition stream per utterance (fed from the kept
 * audio up to what the VAD has handled: partials while speaking) and finish it at the end of the
 * utterance.
 */
export class ChannelPipeline {
  private readonly vad: VadChannel | null;
  private readonly audio: ChannelAudio;
  private readonly perMs: number;
  private open: OpenUtterance | null = null;
  /** Samples the VAD has handled. */
  private processed = 0;
  /** Finals of one speaker leave in utterance order even when an engine answers out of order. */
  private finals: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: ChannelHost,
    readonly channel: number,
    readonly speaker: Speaker,
    private readonly rate: 8000 | 16000,
    /** Null = gateway only: audio is archived by the call, nothing here needs it. */
    vad: { service: Pick<VadService, 'open'>; settings: VadSettings } | null,
    private readonly engine: AsrEngine | null,
    private readonly partialIntervalMs: number,
  ) {
    this.perMs = rate / 1000;
    // Never more than the longest utterance plus 10 s, even if the VAD stopped answering.
    this.audio = new ChannelAudio(Math.round(((vad?.settings.maxUtteranceMs ?? 0) + 10_000) * this.perMs));
    this.vad = vad
      ? vad.service.open(rate, vad.settings, {
          onResult: (result) => this.onVad(result),
          onFailure: (error) => this.onVadFailure(error),
        })
      : null;
  }

  push(pcm: Int16Array): void {
    if (!this.vad) return;
    this.audio.push(pcm);
    this.vad.accept(pcm);
  }

  /**
   * End of the call's audio: closes an open utterance. Resolves when its final is out, or at once
   * when the call is aborted meanwhile.
   */
  async flush(): Promise<void> {
    const { signal } = this.host;
    if (this.vad) {
      await untilAborted(this.vad.flush(), signal);
      this.vad.close();
    }
    // The VAD closes every utterance at the end of audio, unless its worker failed meanwhile.
    if (this.open && !signal.aborted) this.closeAt(this.processed);
    await untilAborted(this.finals, signal);
  }

  /** The call was aborted: the open recognition is dropped and the VAD released. */
  abort(): void {
    this.open?.stream?.abort();
    this.open = null;
    this.vad?.close();
  }

  private onVad({ steps, keepFrom }: VadResult): void {
    // Frame by frame, as they arrived, even when one round of the worker covered several.
    for (const { events, processed } of steps) {
      this.processed = processed;
      const openBefore = this.open;
      for (const event of events) {
        if (event.type === 'speech_start') this.startUtterance(event.startMs);
        else this.endUtterance(event);
      }
      // A stream opened above was fed up to `processed` already.
      if (this.open && this.open === openBefore) this.feed(this.open, processed);
      this.maybeEmitPartial();
    }
    this.audio.dropBefore(Math.min(keepFrom, this.open?.fedUpTo ?? keepFrom));
  }

  /** The VAD's worker failed: say so, and close an open utterance where detection stopped. */
  private onVadFailure(error: VadModelError): void {
    this.host.logger.warn({ err: error, case_id: this.host.caseId }, 'VAD restarted for this call');
    this.host.emit({ type: 'error', code: 'vad_failed', message: error.message, fatal: false });
    if (this.open) this.closeAt(this.processed);
  }

  private closeAt(sample: number): void {
    const open = this.open as OpenUtterance;
    const startSample = Math.round(open.startMs * this.perMs);
    this.endUtterance({
      type: 'speech_end',
      startMs: open.startMs,
      endMs: Math.round(sample / this.perMs),
      startSample,
      sampleCount: Math.max(0, sample - startSample),
    });
  }

  private startUtterance(startMs: number): void {
    const id = this.host.nextUtteranceId();
    const from = Math.round(startMs * this.perMs);
    const open: OpenUtterance = {
      id,
      startMs,
      stream: null,
      fedUpTo: from,
      rev: 0,
      lastPartialText: '',
      lastPartialAtMs: startMs,
    };
    if (this.engine) {
      try {
        open.stream = this.engine.createStream({
          sampleRate: this.rate,
          caseId: this.host.caseId,
          startMs,
          channel: this.channel,
          hotwords: this.host.hotwords(),
        });
        this.feed(open, this.processed);
      } catch (err) {
        this.host.logger.error({ err, case_id: this.host.caseId }, 'asr stream failed to open');
        this.host.emit({
          type: 'error',
          code: 'asr_failed',
          message: 'speech recognition failed for this utterance',
          fatal: false,
        });
        open.stream = null;
      }
    }
    this.open = open;
    this.host.emit({
      type: 'speech_start',
      utterance_id: id,
      speaker: this.speaker,
      channel: this.channel,
      start_ms: startMs,
    });
  }

  /** Feeds the recognizer the kept audio from where it stopped up to `upTo`. */
  private feed(open: OpenUtterance, upTo: number): void {
    if (!open.stream || upTo <= open.fedUpTo) return;
    const samples = pcm16ToFloat32(this.audio.slice(open.fedUpTo, upTo));
    open.fedUpTo = upTo;
    open.stream.acceptWaveform(samples);
  }

  private endUtterance(event: Extract<VadEvent, { type: 'speech_end' }>): void {
    const { startMs, endMs } = event;
    const open = this.open ?? {
      id: this.host.nextUtteranceId(),
      startMs,
      stream: null,
      fedUpTo: 0,
      rev: 0,
      lastPartialText: '',
      lastPartialAtMs: 0,
    };
    this.open = null;
    const segment = this.audio.slice(event.startSample, event.startSample + event.sampleCount);
    this.host.onSegment({
      utteranceId: open.id,
      speaker: this.speaker,
      channel: this.channel,
      startMs,
      endMs,
      pcm: segment,
      sampleRate: this.rate,
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
    const { signal } = this.host;
    this.finals = this.finals.then(async () => {
      let rawText: string | null = null;
      try {
        rawText = (await untilAborted(result, signal))?.text ?? null;
      } catch (err) {
        this.host.logger.error({ err, case_id: this.host.caseId, utterance_id: open.id }, 'asr final failed');
        this.host.emit({
          type: 'error',
          code: 'asr_failed',
          message: `speech recognition failed for ${open.id}`,
          fatal: false,
        });
      }
      // A result that comes after the call was aborted is dropped: the call has no more finals.
      if (signal.aborted) return;
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
    const nowMs = this.processed / this.perMs;
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
