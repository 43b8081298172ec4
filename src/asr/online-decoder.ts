import { StreamingResampler } from '../audio/index.js';
import { AsrError } from './errors.js';
import { siblingModule, SupervisedWorker, type WorkerModule } from './inference-worker.js';
import { SAMPLE_RATE } from './recognizer-config.js';
import type { OnlineRecognizerConfig, SherpaOnlineRecognizer, SherpaOnlineStream } from './sherpa-addon.js';

/**
 * Streaming recognition off the event loop. A streaming sherpa-onnx recognizer is built and run in
 * a worker thread (`online-worker.ts`): building one loads ONNX sessions (seconds for a real model)
 * and the online API has no async decode, so on the main thread either would stall every live call.
 * The main thread only posts audio and reads back the latest hypothesis of each utterance.
 *
 * In the worker, audio that arrives for many utterances in one turn is decoded together: all
 * streams with a full chunk go through one `decodeStreams` call (one batched ONNX run) until none
 * is ready, then each changed hypothesis is posted back.
 */
export type ToDecoder =
  | { type: 'open'; id: number; sampleRate: number }
  | { type: 'audio'; id: number; samples: Float32Array }
  /** End of the utterance: flush the encoder and answer with `final`. */
  | { type: 'finish'; id: number }
  | { type: 'close'; id: number };

/** Raw recognizer output (model script), with per-token log-probabilities where reported. */
export interface RawResult {
  text: string;
  ysProbs: number[];
}

export type FromDecoder =
  | ({ type: 'partial'; id: number } & RawResult)
  | ({ type: 'final'; id: number } & RawResult)
  | { type: 'stream_failed'; id: number; message: string };

/** Silence appended at the end of an utterance so the last frames leave the streaming encoder. */
const TAIL_PADDING_SAMPLES = Math.round(SAMPLE_RATE * 0.4);

interface DecoderStream {
  stream: SherpaOnlineStream;
  /** From the call's rate to the model's, here in the worker (passes 16 kHz through). */
  resampler: StreamingResampler;
  finishing: boolean;
  lastText: string;
}

/** The worker side: streams of one recognizer, decoded in batches. */
export class BatchedOnlineDecoder {
  private readonly streams = new Map<number, DecoderStream>();
  private readonly pending = new Set<number>();
  private scheduled = false;

  constructor(
    private readonly recognizer: SherpaOnlineRecognizer,
    private readonly send: (message: FromDecoder) => void,
    /** When to decode what has arrived: after the messages already queued (a batch). */
    private readonly later: (work: () => void) => void = setImmediate,
    /** Progress for the worker's supervisor, after each batched run. */
    private readonly beat: () => void = () => undefined,
  ) {}

  handle(message: ToDecoder): void {
    const { id } = message;
    try {
      if (message.type === 'open') {
        this.streams.set(id, {
          stream: this.recognizer.createStream(),
          resampler: new StreamingResampler(message.sampleRate, SAMPLE_RATE),
          finishing: false,
          lastText: '',
        });
        return;
      }
      const entry = this.streams.get(id);
      if (!entry) return;
      if (message.type === 'close') {
        this.streams.delete(id);
        this.pending.delete(id);
        return;
      }
      const { resampler } = entry;
      if (message.type === 'audio') {
        entry.stream.acceptWaveform({ samples: resampler.push(message.samples), sampleRate: SAMPLE_RATE });
      } else {
        const tail = resampler.flush();
        if (tail.length > 0) entry.stream.acceptWaveform({ samples: tail, sampleRate: SAMPLE_RATE });
        entry.stream.acceptWaveform({
          samples: new Float32Array(TAIL_PADDING_SAMPLES),
          sampleRate: SAMPLE_RATE,
        });
        entry.stream.inputFinished();
        entry.finishing = true;
      }
    } catch (err) {
      this.fail([id], err);
      return;
    }
    this.pending.add(id);
    if (!this.scheduled) {
      this.scheduled = true;
      this.later(() => {
        this.scheduled = false;
        this.decodePending();
      });
    }
  }

  /** Number of utterances open; for tests and metrics. */
  get open(): number {
    return this.streams.size;
  }

  private fail(ids: readonly number[], err: unknown): void {
    for (const id of ids) {
      this.streams.delete(id);
      this.pending.delete(id);
      this.send({ type: 'stream_failed', id, message: (err as Error).message });
    }
  }

  private decodePending(): void {
    const ids = [...this.pending];
    this.pending.clear();
    for (;;) {
      const ready = ids.filter((id) => {
        const entry = this.streams.get(id);
        return entry !== undefined && this.recognizer.isReady(entry.stream);
      });
      if (ready.length === 0) break;
      try {
        this.recognizer.decodeStreams(ready.map((id) => (this.streams.get(id) as DecoderStream).stream));
      } catch (err) {
        this.fail(ready, err);
      }
      this.beat();
    }
    for (const id of ids) {
      const entry = this.streams.get(id);
      if (!entry) continue;
      const result = this.recognizer.getResult(entry.stream);
      const raw: RawResult = { text: result.text, ysProbs: result.ys_probs ?? [] };
      if (entry.finishing) {
        this.streams.delete(id);
        this.send({ type: 'final', id, ...raw });
      } else if (raw.text !== entry.lastText) {
        entry.lastText = raw.text;
        this.send({ type: 'partial', id, ...raw });
      }
    }
  }
}

/** What the main side needs of a worker or a message port. */
export interface DecoderPort {
  postMessage(message: ToDecoder, transfer?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (message: FromDecoder) => void): unknown;
  /** Keep the process alive while a final is awaited (a worker); idle, it must not. */
  ref?(): void;
  unref?(): void;
}

/** One utterance on the streaming recognizer, seen from the main thread. */
export interface OnlineUtterance {
  accept(samples: Float32Array): void;
  /** The latest hypothesis the worker has posted (it decodes as audio arrives), or null. */
  latest(): RawResult | null;
  /** Flushes the encoder; resolves with the last hypothesis. The utterance takes no more audio. */
  finish(): Promise<RawResult>;
  close(): void;
}

interface Waiting {
  latest: RawResult | null;
  final?: { resolve(result: RawResult): void; reject(err: Error): void };
  failure?: AsrError;
}

/** The main side of a decoder: utterances over one port. */
export class OnlineDecoderClient {
  private nextId = 1;
  private readonly utterances = new Map<number, Waiting>();
  private broken: AsrError | null = null;
  /** Finals asked for and not yet answered. */
  private awaited = 0;

  constructor(
    private readonly port: DecoderPort,
    private readonly stop: () => void = () => undefined,
  ) {
    port.on('message', (message) => this.receive(message));
  }

  private receive(message: FromDecoder): void {
    if (!('id' in message)) return;
    const waiting = this.utterances.get(message.id);
    if (!waiting) return;
    if (message.type === 'partial') {
      waiting.latest = { text: message.text, ysProbs: message.ysProbs };
      return;
    }
    this.utterances.delete(message.id);
    if (message.type === 'final') {
      this.settle(waiting, { text: message.text, ysProbs: message.ysProbs });
    } else {
      this.settle(waiting, new AsrError('asr_failed', `streaming decode failed: ${message.message}`));
    }
  }

  /** Resolves or rejects the awaited final, or keeps the failure for a finish() still to come. */
  private settle(waiting: Waiting, outcome: RawResult | AsrError): void {
    const { final } = waiting;
    if (!final) {
      if (outcome instanceof AsrError) waiting.failure = outcome;
      return;
    }
    waiting.final = undefined;
    if (--this.awaited === 0) this.port.unref?.();
    if (outcome instanceof AsrError) final.reject(outcome);
    else final.resolve(outcome);
  }

  /** The decoder is gone for good (closed, or no replacement would load): every utterance fails, new ones too. */
  fail(reason: AsrError): void {
    this.broken ??= reason;
    this.interrupted(reason);
  }

  /** The worker was lost and is being replaced: the utterances open on it fail; new ones go to the replacement. */
  interrupted(reason: AsrError): void {
    for (const waiting of this.utterances.values()) this.settle(waiting, reason);
    this.utterances.clear();
  }

  /** `sampleRate`: the call's; the worker converts to the model's. */
  open(sampleRate: number): OnlineUtterance {
    if (this.broken) throw this.broken;
    const id = this.nextId++;
    const waiting: Waiting = { latest: null };
    this.utterances.set(id, waiting);
    this.port.postMessage({ type: 'open', id, sampleRate });
    let finished = false;
    return {
      accept: (samples) => {
        if (finished) return;
        // A copy the worker takes over: callers reuse their frame buffers.
        const copy = samples.slice();
        this.port.postMessage({ type: 'audio', id, samples: copy }, [copy.buffer]);
      },
      latest: () => waiting.latest,
      finish: () => {
        finished = true;
        if (waiting.failure) return Promise.reject(waiting.failure);
        return new Promise<RawResult>((resolve, reject) => {
          waiting.final = { resolve, reject };
          if (this.awaited++ === 0) this.port.ref?.();
          this.port.postMessage({ type: 'finish', id });
        });
      },
      close: () => {
        finished = true;
        if (this.utterances.delete(id)) this.port.postMessage({ type: 'close', id });
      },
    };
  }

  close(): void {
    this.fail(new AsrError('asr_failed', 'the streaming recognizer was closed'));
    this.stop();
  }
}

/** A recognizer run (one `decodeStreams` round) that makes no progress this long is stuck. */
const RECOGNIZER_STUCK_MS = 10_000;
/** Recognition is throughput work: below the socket loop and the VAD when the cores are all busy. */
export const RECOGNIZER_NICENESS = 10;

/**
 * The recognizer's worker thread as one port that outlives it: a worker that crashes, exits or
 * gets stuck is replaced by a fresh one built from the same configuration (its open utterances fail
 * with `asr_failed`; utterances opened from then on go to the replacement, queued while it loads).
 */
class RecognizerWorkers implements DecoderPort {
  private current: SupervisedWorker<ToDecoder, FromDecoder>;
  private listener: ((message: FromDecoder) => void) | null = null;
  private referenced = false;
  private closing = false;
  /** The worker in service was lost (its utterances fail) and a replacement is loading. */
  onLost: (reason: AsrError) => void = () => undefined;
  /** No replacement could be loaded: the engine is broken. */
  onBroken: (reason: AsrError) => void = () => undefined;

  constructor(
    private readonly config: OnlineRecognizerConfig,
    private readonly module: WorkerModule | undefined,
  ) {
    this.current = this.spawn();
  }

  get ready(): Promise<void> {
    return this.current.ready;
  }

  postMessage(message: ToDecoder, transfer?: readonly ArrayBuffer[]): void {
    this.current.post(message, transfer);
  }

  on(_event: 'message', listener: (message: FromDecoder) => void): void {
    this.listener = listener;
  }

  ref(): void {
    this.referenced = true;
    this.current.ref();
  }

  unref(): void {
    this.referenced = false;
    this.current.unref();
  }

  close(): void {
    this.closing = true;
    void this.current.close();
  }

  private spawn(): SupervisedWorker<ToDecoder, FromDecoder> {
    const worker = new SupervisedWorker<ToDecoder, FromDecoder>({
      name: 'streaming recognizer',
      entry: this.module?.entry ?? siblingModule(import.meta.url, 'online-worker'),
      workerData: { ...this.module?.data, config: this.config },
      stuckAfterMs: this.module?.stuckAfterMs ?? RECOGNIZER_STUCK_MS,
      niceness: RECOGNIZER_NICENESS,
      onMessage: (message) => this.listener?.(message),
      onLost: (reason) => this.replace(reason),
    });
    // Loading keeps the process alive; once loaded, only an awaited final does.
    worker.ready.then(
      () => {
        if (!this.referenced && this.current === worker) worker.unref();
      },
      () => undefined,
    );
    return worker;
  }

  private replace(reason: Error): void {
    if (this.closing) return;
    const next = this.spawn();
    this.current = next;
    if (this.referenced) next.ref();
    this.onLost(new AsrError('asr_failed', `${reason.message}; the recognizer is being restarted`));
    next.ready.catch((err: unknown) =>
      this.onBroken(
        new AsrError('asr_failed', `the recognizer could not be restarted: ${(err as Error).message}`),
      ),
    );
  }
}

/**
 * Builds the streaming recognizer in a worker thread and resolves once it is loaded; rejects with
 * sherpa-onnx's message when it refuses the configuration. Once loaded, the worker keeps the
 * process alive only while a final is awaited; a lost worker is replaced (see RecognizerWorkers).
 */
export async function startOnlineDecoder(
  config: OnlineRecognizerConfig,
  /** Tests only: another worker module (one that wraps `online-worker` to inject a fault). */
  module?: WorkerModule,
): Promise<OnlineDecoderClient> {
  const workers = new RecognizerWorkers(config, module);
  try {
    await workers.ready;
  } catch (err) {
    workers.close();
    throw err;
  }
  const client = new OnlineDecoderClient(workers, () => workers.close());
  workers.onLost = (reason) => client.interrupted(reason);
  workers.onBroken = (reason) => client.fail(reason);
  return client;
}
