import { existsSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { SILERO_STATE, sileroWindow, type SileroDetector, type SileroRate } from './silero-detector.js';
import { batchedSileroGraphs } from './silero-graph.js';
import { VadModelError } from './vad-errors.js';

const HIDDEN = SILERO_STATE / 2;

interface Scored {
  detector: SileroDetector;
  window: Float32Array;
}
/** Windows per model run: a batch this large already runs at the per-window floor. */
const MAX_BATCH = 256;

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
};

/** A session scoring one rate, and what it takes besides `input` and `state`. */
interface RateSession {
  session: ort.InferenceSession;
  feeds: Record<string, ort.Tensor>;
}

/**
 * The Silero VAD v5 ONNX model, one session per sample rate for every channel it serves: each run
 * scores one window of up to MAX_BATCH channels of one sample rate at once (`input` [B, 576] at
 * 16 kHz or [B, 288] at 8 kHz, `state` [2, B, 128] → `output` [B, 1], `stateN` [2, B, 128]). The
 * published model runs rebuilt for batches (`silero-graph.ts`, ≈ 2.5× cheaper per window); a file
 * that is not laid out as the published one runs as is. One intra-op thread: parallelism comes from
 * batching, and from running one of these per worker.
 */
/** The batched graphs of the file, or null when it is not the published model (onnxruntime then says what it is). */
function rebuildOrNull(path: string): Map<SileroRate, Uint8Array> | null {
  try {
    return batchedSileroGraphs(readFileSync(path));
  } catch {
    return null;
  }
}

export class SileroModel {
  private readonly input = new Float32Array(MAX_BATCH * sileroWindow(16000).size);
  private readonly stateIn = new Float32Array(MAX_BATCH * SILERO_STATE);

  private constructor(
    private readonly sessions: Record<SileroRate, RateSession>,
    /** Whether the batched rebuild runs (false: the file as is). */
    readonly batched: boolean,
  ) {}

  /**
   * Loads and checks the file; throws VadModelError (`vad_model_missing` / `vad_model_invalid`).
   * `rebuild: false` runs the published graph as is (benchmarks compare the two).
   */
  static async load(path: string, rebuild = true): Promise<SileroModel> {
    if (!existsSync(path)) throw new VadModelError('vad_model_missing', `VAD model not found: ${path}`);
    const graphs = rebuild ? rebuildOrNull(path) : null;
    if (graphs) {
      const load = async (rate: SileroRate) => ({
        session: await ort.InferenceSession.create(graphs.get(rate) as Uint8Array, SESSION_OPTIONS),
        feeds: {},
      });
      return new SileroModel({ 8000: await load(8000), 16000: await load(16000) }, true);
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(path, SESSION_OPTIONS);
    } catch (err) {
      throw new VadModelError(
        'vad_model_invalid',
        `${path} is not a loadable ONNX model: ${(err as Error).message}`,
      );
    }
    const inputs = session.inputNames.join(',');
    const outputs = session.outputNames.join(',');
    if (
      inputs !== 'input,state,sr' ||
      !session.outputNames.includes('output') ||
      !session.outputNames.includes('stateN')
    ) {
      await session.release();
      throw new VadModelError(
        'vad_model_invalid',
        `${path} is not a Silero VAD v5 model: inputs ${inputs}, outputs ${outputs} (expected input,state,sr → output,stateN)`,
      );
    }
    const sr = (rate: SileroRate) => ({
      sr: new ort.Tensor('int64', BigInt64Array.from([BigInt(rate)]), []),
    });
    return new SileroModel(
      { 8000: { session, feeds: sr(8000) }, 16000: { session, feeds: sr(16000) } },
      false,
    );
  }

  /**
   * Scores every window the detectors have pending, one batched run per rate and step, until none
   * is left (a channel with several windows queued contributes one per step: its state carries
   * over). Returns the number of model runs; `afterRun` is called after each (a heartbeat).
   */
  async drain(detectors: Iterable<SileroDetector>, afterRun: () => void = () => undefined): Promise<number> {
    let runs = 0;
    const waiting: SileroDetector[] = [...detectors];
    for (;;) {
      const batches: Record<SileroRate, Scored[]> = { 8000: [], 16000: [] };
      for (const detector of waiting) {
        const window = detector.nextWindow();
        if (window) batches[detector.rate].push({ detector, window });
      }
      if (batches[8000].length === 0 && batches[16000].length === 0) return runs;
      for (const rate of [8000, 16000] as const) {
        const batch = batches[rate];
        for (let from = 0; from < batch.length; from += MAX_BATCH) {
          await this.score(rate, batch.slice(from, from + MAX_BATCH));
          runs++;
          afterRun();
        }
      }
    }
  }

  private async score(rate: SileroRate, batch: Scored[]): Promise<void> {
    const size = batch.length;
    const windowSize = sileroWindow(rate).size;
    const input = this.input.subarray(0, size * windowSize);
    const state = this.stateIn.subarray(0, size * SILERO_STATE);
    batch.forEach(({ detector, window }, b) => {
      input.set(window, b * windowSize);
      // Detector state is [layer][hidden]; the model's is [layer][batch][hidden].
      state.set(detector.state.subarray(0, HIDDEN), b * HIDDEN);
      state.set(detector.state.subarray(HIDDEN), (size + b) * HIDDEN);
    });
    const { session, feeds } = this.sessions[rate];
    const out = await session.run({
      input: new ort.Tensor('float32', input, [size, windowSize]),
      state: new ort.Tensor('float32', state, [2, size, HIDDEN]),
      ...feeds,
    });
    const probabilities = out.output?.data as Float32Array;
    const next = out.stateN?.data as Float32Array;
    batch.forEach(({ detector }, b) => {
      detector.state.set(next.subarray(b * HIDDEN, (b + 1) * HIDDEN), 0);
      detector.state.set(next.subarray((size + b) * HIDDEN, (size + b + 1) * HIDDEN), HIDDEN);
      detector.scored(probabilities[b] as number);
    });
  }

  async close(): Promise<void> {
    const sessions = new Set([this.sessions[8000].session, this.sessions[16000].session]);
    for (const session of sessions) await session.release();
  }
}
