import { AsrError } from '../errors.js';
import type { AsrEngine, AsrHypothesis, AsrStream, AsrStreamOptions } from '../engine.js';
import { SupervisedWorker } from '../inference-worker.js';
import { RECOGNIZER_NICENESS } from '../online-decoder.js';
import type { FromCostWorker, ToCostWorker } from './cpu-cost-worker.js';

export interface CpuCostStandInOptions {
  /** CPU milliseconds the workers spend per second of utterance audio. */
  costMsPerAudioSecond: number;
  /** Worker threads sharing the work (utterances are spread over them). */
  workers: number;
}

/**
 * BENCHMARK STAND-IN — not a recognizer. It costs what a recognizer costs without recognizing
 * anything: every utterance's audio is posted (a transferred copy per frame, as the streaming
 * recognizer's client does) to worker threads of the inference layer, which spend
 * `costMsPerAudioSecond` of CPU on each second of it, at the recognizer's lowered priority, in the
 * order it came. `finish()` resolves once its utterance's audio has been worked through, with the
 * text of `text` (another stand-in or test double), so the rest of the pipeline runs as with a real
 * engine. `bench:stream`'s `asr` scenario uses it to show the socket loop while inference keeps the
 * cores busy; configuration can never select it.
 */
export class CpuCostAsrStandIn implements AsrEngine {
  readonly name = 'cpu-cost-stand-in';
  readonly version: string;
  readonly streamsPartials = false;
  private readonly workers: Array<SupervisedWorker<ToCostWorker, FromCostWorker>> = [];
  private readonly waiting = new Map<number, (error: AsrError | null) => void>();
  private readonly busy: BigInt64Array;
  private nextId = 1;

  private constructor(
    private readonly text: AsrEngine,
    private readonly options: CpuCostStandInOptions,
  ) {
    this.version = `stand-in ${options.costMsPerAudioSecond} ms CPU per audio second`;
    this.busy = new BigInt64Array(new SharedArrayBuffer(8 * options.workers));
  }

  static async start(text: AsrEngine, options: CpuCostStandInOptions): Promise<CpuCostAsrStandIn> {
    const engine = new CpuCostAsrStandIn(text, options);
    for (let i = 0; i < options.workers; i++) {
      const worker = new SupervisedWorker<ToCostWorker, FromCostWorker>({
        name: 'ASR stand-in',
        entry: new URL(
          `./cpu-cost-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
          import.meta.url,
        ),
        workerData: { costMsPerAudioSecond: options.costMsPerAudioSecond, busy: engine.busy.buffer, slot: i },
        stuckAfterMs: 60_000,
        niceness: RECOGNIZER_NICENESS,
        onMessage: (message) => engine.waiting.get(message.id)?.(null),
        onLost: (reason) => {
          for (const settle of engine.waiting.values()) settle(new AsrError('asr_failed', reason.message));
        },
      });
      engine.workers.push(worker);
    }
    await Promise.all(engine.workers.map((w) => w.ready));
    for (const worker of engine.workers) worker.unref();
    return engine;
  }

  /** Microseconds each worker has spent working since start. */
  get busyMicros(): number[] {
    return [...this.busy].map(Number);
  }

  createStream(options: AsrStreamOptions): AsrStream {
    const id = this.nextId++;
    const worker = this.workers[id % this.workers.length] as SupervisedWorker<ToCostWorker, FromCostWorker>;
    const text = this.text.createStream(options);
    return {
      acceptWaveform: (samples) => {
        text.acceptWaveform(samples);
        const copy = samples.slice();
        worker.post({ type: 'audio', id, samples: copy, sampleRate: options.sampleRate }, [copy.buffer]);
      },
      partial: (): AsrHypothesis | null => null,
      finish: () =>
        new Promise<AsrHypothesis>((resolve, reject) => {
          this.waiting.set(id, (error) => {
            this.waiting.delete(id);
            if (error) reject(error);
            else resolve(text.finish());
          });
          worker.post({ type: 'finish', id });
        }),
      abort: () => {
        text.abort();
        this.waiting.delete(id);
      },
    };
  }

  close(): void {
    for (const worker of this.workers) void worker.close();
    this.text.close();
  }
}
