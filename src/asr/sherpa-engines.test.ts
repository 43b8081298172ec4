import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { audioManifest, type ManifestRow } from '../../test/shared.js';
import { pcm16ToFloat32, readWav, resample } from '../audio/index.js';
import { configSchema } from '../config/index.js';
import { createAsrEngine } from './create.js';
import type { AsrEngine } from './engine.js';
import { toTaiwanCharacters } from './zh-tw.js';

/**
 * Real recognition (accuracy) on the shared recordings. The engines themselves run on every test
 * run against generated model fixtures (sherpa-fixtures.test.ts); this needs real Mandarin weights
 * and runs only where they are present:
 *   HOTLINE_ASR_MODEL_DIR          streaming model (sherpa-online, two-pass partials)
 *   HOTLINE_ASR_OFFLINE_MODEL_DIR  offline model (two-pass finals)
 * e.g. after `npm run models:fetch -- sherpa-onnx-streaming-zipformer-multi-zh-hans-2023-12-12`.
 */
const modelDir = process.env.HOTLINE_ASR_MODEL_DIR;
const offlineModelDir = process.env.HOTLINE_ASR_OFFLINE_MODEL_DIR;
if (!modelDir)
  console.warn(
    'asr: skipping sherpa-online real-model tests: HOTLINE_ASR_MODEL_DIR is not set (no model here)',
  );
if (!offlineModelDir) {
  console.warn(
    'asr: skipping two-pass real-model tests: HOTLINE_ASR_OFFLINE_MODEL_DIR is not set (no model here)',
  );
}

/** Recordings with a human transcript, as 16 kHz float audio. */
function transcribed(): { row: ManifestRow; samples: Float32Array }[] {
  return audioManifest()
    .filter((row) => row.referenceKind.startsWith('ground-truth') && row.reference)
    .map((row) => {
      const wav = readWav(readFileSync(row.path));
      const samples = pcm16ToFloat32(wav.channels[0] as Int16Array);
      return { row, samples: wav.sampleRate === 16000 ? samples : resample(samples, wav.sampleRate, 16000) };
    });
}

const strip = (text: string) => toTaiwanCharacters(text).replace(/[\s\p{P}]/gu, '');

/** Character error rate of a hypothesis against a reference, both in zh-TW script without punctuation. */
function cer(hypothesis: string, reference: string): number {
  const h = [...strip(hypothesis)];
  const r = [...strip(reference)];
  let row = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const next = [i];
    for (let j = 1; j <= h.length; j++) {
      next[j] = Math.min(
        (row[j] as number) + 1,
        (next[j - 1] as number) + 1,
        (row[j - 1] as number) + (r[i - 1] === h[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return (row[h.length] as number) / Math.max(1, r.length);
}

async function recognise(engine: AsrEngine, samples: Float32Array) {
  const stream = engine.createStream({ sampleRate: 16000, caseId: 'real-model', startMs: 0, channel: 0 });
  const partials: string[] = [];
  for (let i = 0; i < samples.length; i += 1600) {
    stream.acceptWaveform(samples.subarray(i, i + 1600));
    const partial = stream.partial();
    if (partial) partials.push(partial.text);
  }
  return { partials, final: await stream.finish() };
}

async function checkAccuracy(engine: AsrEngine, expectPartials: boolean) {
  const recordings = transcribed();
  expect(recordings.length).toBeGreaterThan(0);
  let errors = 0;
  for (const { row, samples } of recordings) {
    const { partials, final } = await recognise(engine, samples);
    const rate = cer(final.text, row.reference);
    console.info(
      `asr ${engine.version} ${row.file}: CER ${rate.toFixed(2)} «${final.text}» ref «${row.reference}»`,
    );
    expect(final.text).toBe(toTaiwanCharacters(final.text));
    if (expectPartials) expect(partials.length).toBeGreaterThan(0);
    errors += rate;
  }
  // Loose bound: these are clean read-speech clips; a working Mandarin model stays far below it.
  expect(errors / recordings.length).toBeLessThan(0.35);
}

function config(asr: Record<string, unknown>) {
  return configSchema.parse({ asr });
}

describe.skipIf(!modelDir)('sherpa-online with a real streaming model', () => {
  it('transcribes the shared recordings with partials, in Traditional Chinese', async () => {
    const engine = await createAsrEngine(config({ engine: 'sherpa-online', modelDir }));
    if (!engine) throw new Error('no engine');
    expect(engine.version).toBe(modelDir?.replace(/\/+$/, '').split('/').at(-1));
    await checkAccuracy(engine, true);
    engine.close();
  }, 300_000);

  it('loads with hot-words (modified beam search) and still transcribes', async () => {
    const engine = await createAsrEngine(config({ engine: 'sherpa-online', modelDir }), {
      hotwords: ['大安區', '信義路', '臺北市政府'],
    });
    if (!engine) throw new Error('no engine');
    await checkAccuracy(engine, true);
    engine.close();
  }, 300_000);
});

describe.skipIf(!offlineModelDir)('two-pass with a real offline model', () => {
  it('gives finals from the offline model over each segment', async () => {
    const engine = await createAsrEngine(
      config({ engine: 'two-pass', offlineModelDir, ...(modelDir ? { modelDir } : {}) }),
    );
    if (!engine) throw new Error('no engine');
    expect(engine.streamsPartials).toBe(Boolean(modelDir));
    await checkAccuracy(engine, Boolean(modelDir));
    engine.close();
  }, 300_000);
});
