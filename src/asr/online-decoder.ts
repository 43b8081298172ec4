import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AsrError } from './errors.js';
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
  | { type: 'open'; id: number }
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
  | { type: 'ready' }
  | { type: 'load_failed'; message: string }
  | ({ type: 'partial'; id: number } & RawResult)
  | ({ type: 'final'; id: number } & RawResult)
  | { type: 'stream_failed'; id: number; message: string };

const SAMPLE_RATE = 16000;
/** Silence appended at the end of an utterance so the last frames leave the streaming encoder. */
const TAIL_PADDING_SAMPLES = Math.round(SAMPLE_RATE * 0.4);

interface DecoderStream {
  stream: SherpaOnlineStream;
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
  ) {}

  handle(message: ToDecoder): void {
    const { id } = message;
    try {
      if (message.type === 'open') {
        this.streams.set(id, { stream: this.recognizer.createStream(), finishing: false, lastText: '' });
        return;
      }
      const entry = this.streams.get(id);
      if (!entry) return;
      if (message.type === 'close') {
        this.streams.delete(id);
        this.pending.delete(id);
        return;
      }
      if (message.type === 'audio') {
        entry.stream.acceptWaveform({ samples: message.samples, sampleRate: SAMPLE_RATE });
      } else {
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

  /** The decoder is gone (worker crashed or closed): every open utterance fails, new ones too. */
  fail(reason: AsrError): void {
    this.broken ??= reason;
    for (const waiting of this.utterances.values()) this.settle(waiting, reason);
    this.utterances.clear();
  }

  open(): OnlineUtterance {
    if (this.broken) throw this.broken;
    const id = this.nextId++;
    const waiting: Waiting = { latest: null };
    this.utterances.set(id, waiting);
    this.port.postMessage({ type: 'open', id });
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

/** tsx's ESM loader API (its `import` export), found from this file as Node would resolve it. */
function tsxLoader(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  const entry = exports['./esm/api']?.import.default ?? './dist/esm/api/index.mjs';
  return pathToFileURL(join(dirname(manifest), entry)).href;
}

/**
 * Source of the worker: `online-worker.ts` through tsx when running from TypeScript sources (as
 * `npm start` and the tests do), the module itself once compiled to JavaScript.
 */
function workerSource(): string {
  const typescript = import.meta.url.endsWith('.ts');
  const entry = new URL(typescript ? './online-worker.ts' : './online-worker.js', import.meta.url).href;
  if (!typescript) return `import(${JSON.stringify(entry)});`;
  return `import(${JSON.stringify(tsxLoader())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
}

/** Resolves when the worker has built its recognizer; rejects with why it could not. */
function untilLoaded(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (err?: Error) => {
      worker.off('message', onMessage).off('error', settle).off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    const onMessage = (message: FromDecoder) => {
      if (message.type === 'ready') settle();
      else if (message.type === 'load_failed') settle(new Error(message.message));
    };
    const onExit = (code: number) =>
      settle(new Error(`the recognizer worker exited (code ${code}) while loading`));
    worker.on('message', onMessage).on('error', settle).on('exit', onExit);
  });
}

/**
 * Builds the streaming recognizer in a worker thread and resolves once it is loaded; rejects with
 * sherpa-onnx's message when it refuses the configuration. Once loaded, the worker keeps the
 * process alive only while a final is awaited.
 */
export async function startOnlineDecoder(config: OnlineRecognizerConfig): Promise<OnlineDecoderClient> {
  const worker = new Worker(workerSource(), { eval: true, workerData: { config } });
  try {
    await untilLoaded(worker);
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  worker.unref();
  let closing = false;
  const client = new OnlineDecoderClient(worker, () => {
    closing = true;
    void worker.terminate();
  });
  worker.on('error', (err: Error) =>
    client.fail(new AsrError('asr_failed', `the recognizer worker failed: ${err.message}`)),
  );
  worker.on('exit', (code) => {
    if (!closing) client.fail(new AsrError('asr_failed', `the recognizer worker stopped (code ${code})`));
  });
  return client;
}
