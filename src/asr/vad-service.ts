import type { Logger } from '../config/index.js';
import { SupervisedWorker, siblingModule, WorkerLoadError, type WorkerModule } from './inference-worker.js';
import type { DetectorEvent, DetectorSettings, DetectorStep } from './silero-detector.js';
import { VadModelError, type VadErrorCode } from './vad-errors.js';
import type { ChannelResult, FromVadWorker, TelephoneVad, ToVadWorker } from './vad-protocol.js';

export type { TelephoneVad } from './vad-protocol.js';

/** Endpointing settings (ms), per call: defaults from config, overridable in `start`. */
export type VadSettings = DetectorSettings;

/** Speech events with sample positions in the channel's own rate. */
export type VadEvent = DetectorEvent;

export interface VadResult {
  /**
   * Per accept() (and flush) handled, in order: the events it gave and the channel samples received
   * up to it (recognition may be fed up to there). A round of the worker may cover several frames.
   */
  steps: DetectorStep[];
  /** Audio before this sample can no longer be part of a segment. */
  keepFrom: number;
}

export interface VadChannelListener {
  /** In order, one per round of the worker that touched this channel. */
  onResult(result: VadResult): void;
  /**
   * The channel's worker failed: audio in flight to it went undetected and an open utterance will
   * not be closed by it. Detection goes on, from a fresh state, with the next audio.
   */
  onFailure(error: VadModelError): void;
}

export interface VadChannel {
  /** Audio of the channel (PCM16 at the rate it was opened with), in order. */
  accept(pcm: Int16Array): void;
  /** End of audio: resolves once its last events have been delivered (or its worker failed). */
  flush(): Promise<void>;
  /** Drops the channel (no further events). */
  close(): void;
}

export interface VadServiceOptions {
  /** Silero VAD v5 ONNX file. */
  model: string;
  /** Worker threads, each with one session of the model; channels are spread over them. */
  workers: number;
  /** Skip the model for windows that are clearly silence (see `silero-detector.ts`). */
  gate: boolean;
  telephone: TelephoneVad;
  /** A worker that leaves audio unanswered this long without progress is replaced. */
  stuckAfterMs: number;
  /**
   * Audio is posted to the workers at most this often: every frame that arrived meanwhile goes in
   * one message per worker and is scored in the same batched runs (larger batches cost less per
   * window; this much is added to a speech event's latency at most).
   */
  batchMs: number;
  logger: Logger;
  /** Tests only: another worker module (one that wraps `vad-worker` to inject a fault). */
  worker?: WorkerModule;
}

/** How long a worker whose replacement failed to load waits before the next try. */
const RETRY_LOAD_MS = 5_000;

interface Pending {
  ids: number[];
  lengths: number[];
  chunks: Int16Array[];
  samples: number;
}

class Slot {
  worker!: SupervisedWorker<ToVadWorker, FromVadWorker>;
  readonly channels = new Set<ChannelState>();
  pending: Pending = { ids: [], lengths: [], chunks: [], samples: 0 };
  /** Flushes awaited on this slot's channels: keep the process alive for them. */
  awaited = 0;
}

class ChannelState {
  /** Input samples posted so far: where a replacement detector starts counting. */
  sent = 0;
  flushesPosted = 0;
  /** Flushes posted before the current detector (which counts its own from 0). */
  flushBase = 0;
  readonly waiters: Array<{ upTo: number; resolve: () => void }> = [];
  closed = false;

  constructor(
    readonly id: number,
    readonly rate: 8000 | 16000,
    readonly settings: VadSettings,
    readonly listener: VadChannelListener,
    readonly slot: Slot,
  ) {}
}

/**
 * Voice-activity detection for every call of the process: Silero run directly with
 * onnxruntime-node in worker threads, one model session per worker, each channel only a small
 * state (`SileroDetector`). Audio of every channel on a worker that arrives within `batchMs` is
 * posted as one message; the worker scores all of it in batched runs and answers with each
 * channel's events in one message. Per channel, results arrive in order.
 *
 * A worker that crashes or stops answering is replaced (its channels get `onFailure`, then go on
 * with the replacement); the socket loop never waits on a model, including at call start, which only
 * posts a small `open` message.
 */
export class VadService {
  private readonly slots: Slot[] = [];
  private readonly channels = new Map<number, ChannelState>();
  private nextId = 1;
  private sendScheduled = false;
  private replaced = 0;
  private closed = false;

  private constructor(private readonly options: VadServiceOptions) {}

  /** Loads the model in every worker; throws VadModelError when the file is missing or not Silero v5. */
  static async start(options: VadServiceOptions): Promise<VadService> {
    const service = new VadService(options);
    const count = Math.max(1, Math.floor(options.workers));
    for (let i = 0; i < count; i++) service.slots.push(new Slot());
    try {
      await Promise.all(service.slots.map((slot) => service.spawn(slot)));
    } catch (err) {
      await service.close();
      if (err instanceof WorkerLoadError) {
        throw new VadModelError((err.code as VadErrorCode | undefined) ?? 'vad_model_invalid', err.message);
      }
      throw err;
    }
    return service;
  }

  open(rate: 8000 | 16000, settings: VadSettings, listener: VadChannelListener): VadChannel {
    if (this.closed) throw new VadModelError('vad_failed', 'voice-activity detection has been shut down');
    const slot = this.slots.reduce((a, b) => (b.channels.size < a.channels.size ? b : a));
    const state = new ChannelState(this.nextId++, rate, settings, listener, slot);
    this.channels.set(state.id, state);
    slot.channels.add(state);
    slot.worker.post({ type: 'open', id: state.id, rate, settings, offset: 0 });
    return {
      accept: (pcm) => {
        if (state.closed || pcm.length === 0) return;
        this.queue(state, pcm.length, pcm);
        state.sent += pcm.length;
      },
      flush: () => {
        if (state.closed) return Promise.resolve();
        const upTo = ++state.flushesPosted;
        this.queue(state, -1, null);
        if (state.slot.awaited++ === 0) state.slot.worker.ref();
        return new Promise<void>((resolve) => state.waiters.push({ upTo, resolve }));
      },
      close: () => {
        if (state.closed) return;
        state.closed = true;
        this.settleFlushes(state, Infinity);
        this.channels.delete(state.id);
        state.slot.channels.delete(state);
        state.slot.worker.post({ type: 'close', id: state.id });
      },
    };
  }

  /** Live channels, worker threads, and workers replaced since start. */
  get stats(): { channels: number; workers: number; replaced: number } {
    return { channels: this.channels.size, workers: this.slots.length, replaced: this.replaced };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const state of this.channels.values()) this.settleFlushes(state, Infinity);
    this.channels.clear();
    await Promise.all(this.slots.map((slot) => slot.worker?.close()));
  }

  private queue(state: ChannelState, length: number, pcm: Int16Array | null): void {
    const pending = state.slot.pending;
    pending.ids.push(state.id);
    pending.lengths.push(length);
    if (pcm) {
      pending.chunks.push(pcm);
      pending.samples += pcm.length;
    }
    if (!this.sendScheduled) {
      this.sendScheduled = true;
      setTimeout(() => this.send(), this.options.batchMs);
    }
  }

  private send(): void {
    this.sendScheduled = false;
    for (const slot of this.slots) {
      const { ids, lengths, chunks, samples: total } = slot.pending;
      if (ids.length === 0) continue;
      slot.pending = { ids: [], lengths: [], chunks: [], samples: 0 };
      const samples = new Int16Array(total);
      let offset = 0;
      for (const chunk of chunks) {
        samples.set(chunk, offset);
        offset += chunk.length;
      }
      const message = {
        type: 'audio',
        ids: Int32Array.from(ids),
        lengths: Int32Array.from(lengths),
        samples,
      } as const;
      slot.worker.post(message, [message.ids.buffer, message.lengths.buffer, samples.buffer]);
    }
  }

  private receive(slot: Slot, message: FromVadWorker): void {
    for (const result of message.results) {
      const state = this.channels.get(result.id);
      if (!state || state.slot !== slot) continue;
      this.deliver(state, result);
    }
  }

  private deliver(state: ChannelState, result: ChannelResult): void {
    state.listener.onResult({ steps: result.steps, keepFrom: result.keepFrom });
    this.settleFlushes(state, state.flushBase + result.flushes);
  }

  private settleFlushes(state: ChannelState, upTo: number): void {
    while (state.waiters.length > 0 && (state.waiters[0] as { upTo: number }).upTo <= upTo) {
      state.waiters.shift()?.resolve();
      if (--state.slot.awaited === 0) state.slot.worker.unref();
    }
  }

  private spawn(slot: Slot): Promise<void> {
    const worker = new SupervisedWorker<ToVadWorker, FromVadWorker>({
      name: 'VAD',
      entry: this.options.worker?.entry ?? siblingModule(import.meta.url, 'vad-worker'),
      workerData: {
        ...this.options.worker?.data,
        model: this.options.model,
        gate: this.options.gate,
        telephone: this.options.telephone,
      },
      stuckAfterMs: this.options.stuckAfterMs,
      onMessage: (message) => this.receive(slot, message),
      onLost: (reason) => this.replace(slot, reason),
    });
    slot.worker = worker;
    // Loading keeps the process alive; once loaded, only awaited flushes do.
    return worker.ready.then(() => {
      if (slot.awaited === 0 && slot.worker === worker) worker.unref();
    });
  }

  /** The slot's worker is gone: its channels are told, then continue on a fresh worker. */
  private replace(slot: Slot, reason: Error): void {
    if (this.closed) return;
    this.replaced++;
    this.options.logger.error({ err: reason, channels: slot.channels.size }, 'VAD worker lost; replacing it');
    slot.pending = { ids: [], lengths: [], chunks: [], samples: 0 };
    const error = new VadModelError(
      'vad_failed',
      `speech detection restarted: ${reason.message}; audio in flight was not checked for speech`,
    );
    const ready = this.spawn(slot);
    for (const state of slot.channels) {
      state.flushBase = state.flushesPosted;
      this.settleFlushes(state, Infinity);
      slot.worker.post({
        type: 'open',
        id: state.id,
        rate: state.rate,
        settings: state.settings,
        offset: state.sent,
      });
      state.listener.onFailure(error);
    }
    ready.catch((err: unknown) => {
      this.options.logger.error(
        { err },
        `VAD worker could not be restarted; retrying in ${RETRY_LOAD_MS} ms`,
      );
      setTimeout(() => this.replace(slot, err as Error), RETRY_LOAD_MS).unref();
    });
  }
}
