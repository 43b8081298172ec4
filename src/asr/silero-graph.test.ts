import { readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { audioManifest, sharedPaths } from '../../test/shared.js';
import { pcm16ToFloat32, readWav, resample } from '../audio/index.js';
import { writeModel } from './onnx-proto.js';
import { SileroDetector, sileroWindow, type SileroRate } from './silero-detector.js';
import { batchedSileroGraphs } from './silero-graph.js';
import { SileroModel } from './silero-model.js';

const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };

/** `batch` channels, each a different stretch of a real recording, as the detector windows it. */
function windows(rate: SileroRate, batch: number, steps: number): Float32Array[] {
  const row = audioManifest().find((r) => r.file === 'paraformer-zh-2023-03-28/1.wav')!;
  const wav = readWav(readFileSync(row.path));
  const audio = resample(pcm16ToFloat32(wav.channels[0]!), wav.sampleRate, rate);
  const { shift, size } = sileroWindow(rate);
  const stride = Math.floor((audio.length - steps * shift - size) / batch);
  return Array.from({ length: steps }, (_, step) => {
    const input = new Float32Array(batch * size);
    for (let b = 0; b < batch; b++)
      input.set(audio.subarray(b * stride + step * shift, b * stride + step * shift + size), b * size);
    return input;
  });
}

describe('Silero v5 rebuilt for batches', () => {
  it.each([8000, 16000] as const)(
    'at %i Hz scores a batch of real audio as the published model does, window after window',
    async (rate) => {
      const published = await ort.InferenceSession.create(sharedPaths.vadModel, options);
      const graphs = batchedSileroGraphs(readFileSync(sharedPaths.vadModel));
      const batched = await ort.InferenceSession.create(graphs!.get(rate)!, options);
      const batch = 16;
      const size = sileroWindow(rate).size;
      let statePublished: Float32Array = new Float32Array(2 * batch * 128);
      let stateBatched = statePublished;
      let worst = 0;
      let speech = 0;
      for (const input of windows(rate, batch, 60)) {
        const a = await published.run({
          input: new ort.Tensor('float32', input, [batch, size]),
          state: new ort.Tensor('float32', statePublished, [2, batch, 128]),
          sr: new ort.Tensor('int64', BigInt64Array.from([BigInt(rate)]), []),
        });
        const b = await batched.run({
          input: new ort.Tensor('float32', input, [batch, size]),
          state: new ort.Tensor('float32', stateBatched, [2, batch, 128]),
        });
        const pa = a.output!.data as Float32Array;
        const pb = b.output!.data as Float32Array;
        pa.forEach((p, i) => (worst = Math.max(worst, Math.abs(p - pb[i]!))));
        speech += pa.filter((p) => p > 0.5).length;
        statePublished = a.stateN!.data as Float32Array;
        stateBatched = b.stateN!.data as Float32Array;
      }
      // Real speech was scored (the comparison is not of silence only), and identically to 1e-5.
      expect(speech).toBeGreaterThan(100);
      expect(worst).toBeLessThan(1e-5);
      await published.release();
      await batched.release();
    },
  );

  it('runs a model with the Silero interface but another layout as it is', async () => {
    // input, state, sr → output (the window's peak, a stand-in probability), stateN (unchanged).
    const file = join(mkdtempSync(join(tmpdir(), 'silero-like-')), 'vad.onnx');
    const model = writeModel({
      nodes: [
        { op: 'ReduceMax', inputs: ['input'], outputs: ['output'], attributes: { axes: [1], keepdims: 1 } },
        { op: 'Identity', inputs: ['state'], outputs: ['stateN'] },
      ],
      initializers: new Map(),
      inputs: [
        { name: 'input', dims: ['batch', 288] },
        { name: 'state', dims: [2, 'batch', 128] },
        { name: 'sr', dims: [], int64: true },
      ],
      outputs: [
        { name: 'output', dims: ['batch', 1] },
        { name: 'stateN', dims: [2, 'batch', 128] },
      ],
      opset: 16,
    });
    writeFileSync(file, model);
    const silero = await SileroModel.load(file);
    expect(silero.batched).toBe(false);
    const detector = new SileroDetector(
      { threshold: 0.5, minSilenceMs: 100, minSpeechMs: 100, maxUtteranceMs: 20_000 },
      8000,
      false,
    );
    detector.accept(new Int16Array(8000).fill(30_000));
    await silero.drain([detector]);
    expect(detector.takeSteps().flatMap((s) => s.events.map((e) => e.type))).toEqual(['speech_start']);
    await silero.close();
  });

  it('runs the published model rebuilt', async () => {
    const silero = await SileroModel.load(sharedPaths.vadModel);
    expect(silero.batched).toBe(true);
    await silero.close();
  });
});
