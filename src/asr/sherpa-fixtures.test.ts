import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resample } from '../audio/index.js';
import { configSchema, type ConfigInput } from '../config/index.js';
import { createAsrEngine } from './create.js';
import type { AsrEngine, AsrHypothesis } from './engine.js';
import { detectOnlineModel } from './model-folder.js';
import { startOnlineDecoder } from './online-decoder.js';
import { createOnlineDecoder, onlineRecognizerConfig } from './online-recognizer.js';
import { AsrEngineRegistry } from './registry.js';
import { CHECK_SIGNAL, tones, type ToneSpan } from './test-signal.js';
import {
  writeParaformerFixture,
  writeSenseVoiceFixture,
  writeStreamingTransducerFixture,
} from './testing/model-fixtures.js';

/**
 * The real sherpa-onnx engines (native addon, feature extraction, CTC and transducer search,
 * hot-words, the recognizer worker) on generated MODEL FIXTURES: tiny ONNX models shaped like the
 * release models that map a loud low band to 软 and a loud high band to 件 (testing/model-fixtures.ts).
 * What is asserted is that fixed behaviour coming through our engines intact — in zh-TW characters.
 * These files load the native addon: vitest runs them in a forked process (vitest.config.ts), so a
 * model that crashed onnxruntime would fail this file, not the suite.
 */
const root = mkdtempSync(join(tmpdir(), 'asr-fixtures-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const senseVoice = writeSenseVoiceFixture(join(root, 'fixture-sense-voice-tones'));
const paraformer = writeParaformerFixture(join(root, 'fixture-paraformer-tones'));
const streaming = writeStreamingTransducerFixture(join(root, 'fixture-streaming-zipformer2-tones'));

const LOW: readonly ToneSpan[] = [{ ms: 100 }, { hz: 300, ms: 600 }, { ms: 300 }];
const HIGH: readonly ToneSpan[] = [{ ms: 100 }, { hz: 3000, ms: 600 }, { ms: 300 }];
const SILENCE: readonly ToneSpan[] = [{ ms: 1000 }];
/**
 * 软件 at tones that leave both bands if 8 kHz audio were taken for 16 kHz (500 → 1 000 Hz,
 * 2 000 → 4 000 Hz): recognised only when the engine converts the call's rate.
 */
const PHONE_SIGNAL: readonly ToneSpan[] = [
  { ms: 200 },
  { hz: 500, ms: 500 },
  { ms: 300 },
  { hz: 2000, ms: 500 },
  { ms: 300 },
];

const engines: AsrEngine[] = [];
afterAll(() => engines.forEach((e) => e.close()));

async function engine(asr: ConfigInput['asr'], hotwords?: readonly string[]): Promise<AsrEngine> {
  const created = await createAsrEngine(configSchema.parse({ asr }), hotwords ? { hotwords } : {});
  if (!created) throw new Error('no engine for this configuration');
  engines.push(created);
  return created;
}

/**
 * Streams `spans` in 100 ms frames as the session does, asking for a partial after each frame; at
 * 8 kHz as a telephone call arrives (the engine converts it).
 */
async function recognise(
  asr: AsrEngine,
  spans: readonly ToneSpan[],
  caseId = 'fixture-call',
  sampleRate: 8000 | 16000 = 16000,
) {
  const samples = sampleRate === 16000 ? tones(spans) : resample(tones(spans), 16000, sampleRate);
  const stream = asr.createStream({ sampleRate, caseId, startMs: 0, channel: 0 });
  const partials: AsrHypothesis[] = [];
  const frame = sampleRate / 10;
  for (let i = 0; i < samples.length; i += frame) {
    stream.acceptWaveform(samples.subarray(i, i + frame));
    // The recognizer decodes in its worker; give it a turn, as live audio arriving over time does.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const partial = stream.partial();
    if (partial && partial.text !== partials.at(-1)?.text) partials.push(partial);
  }
  return { partials, final: await stream.finish() };
}

/**
 * Partials grow towards the final: each starts the next one and the final. How many show depends on
 * how far the worker got between chunks (a loaded machine may decode the last tone only at the end).
 */
function expectGrowing(partials: readonly AsrHypothesis[], final: string): void {
  expect(partials[0]?.text).toBe(final.slice(0, 1));
  for (const [i, p] of partials.entries())
    expect(`${partials[i + 1]?.text ?? final}`.startsWith(p.text)).toBe(true);
}

describe('two-pass on a SenseVoice-shaped model', () => {
  it('reads low tone, pause, high tone as 軟件 — converted characters, not the Taiwan word 軟體', async () => {
    const asr = await engine({ engine: 'two-pass', offlineModelDir: senseVoice });
    expect(asr).toMatchObject({
      name: 'two-pass',
      version: 'fixture-sense-voice-tones',
      streamsPartials: false,
    });
    expect((await recognise(asr, CHECK_SIGNAL)).final).toEqual({ text: '軟件', confidence: null });
    expect((await recognise(asr, LOW)).final.text).toBe('軟');
    expect((await recognise(asr, HIGH)).final.text).toBe('件');
    expect((await recognise(asr, SILENCE)).final.text).toBe('');
  });

  it('takes partials from the streaming model and the final from the offline one', async () => {
    const asr = await engine({ engine: 'two-pass', offlineModelDir: senseVoice, modelDir: streaming });
    expect(asr.version).toBe('fixture-sense-voice-tones+fixture-streaming-zipformer2-tones');
    const { partials, final } = await recognise(asr, CHECK_SIGNAL);
    expectGrowing(partials, '軟件');
    for (const p of partials) expect(p.confidence).toBeGreaterThan(0);
    for (const p of partials) expect(p.confidence).toBeLessThan(1);
    expect(final).toEqual({ text: '軟件', confidence: null });
  });

  it('runs a Paraformer-shaped offline model too (one token: the band loudest in the segment)', async () => {
    const asr = await engine({ engine: 'two-pass', offlineModelDir: paraformer });
    expect((await recognise(asr, LOW)).final.text).toBe('軟');
    expect((await recognise(asr, HIGH)).final.text).toBe('件');
    expect((await recognise(asr, SILENCE)).final.text).toBe('');
  });
});

describe('sherpa-online on a zipformer2-shaped streaming transducer', () => {
  it('gives growing partials and the final, with a confidence from the token scores', async () => {
    const asr = await engine({ engine: 'sherpa-online', modelDir: streaming });
    const { partials, final } = await recognise(asr, CHECK_SIGNAL);
    expectGrowing(partials, '軟件');
    expect(final.text).toBe('軟件');
    expect(final.confidence).toBeGreaterThan(0);
    expect(final.confidence).toBeLessThan(1);
    expect((await recognise(asr, SILENCE)).final).toEqual({ text: '', confidence: null });
  });

  it('recognises a telephone call (8 kHz) as it does 16 kHz audio', async () => {
    const asr = await engine({ engine: 'sherpa-online', modelDir: streaming });
    const { partials, final } = await recognise(asr, PHONE_SIGNAL, 'phone-call', 8000);
    expectGrowing(partials, '軟件');
    expect(final.text).toBe('軟件');
    const twoPass = await engine({ engine: 'two-pass', offlineModelDir: senseVoice });
    expect((await recognise(twoPass, PHONE_SIGNAL, 'phone-call', 8000)).final.text).toBe('軟件');
  });

  it('decodes many utterances at once, each its own text', async () => {
    const asr = await engine({ engine: 'sherpa-online', modelDir: streaming });
    const signals = [LOW, HIGH, CHECK_SIGNAL, SILENCE, LOW, HIGH];
    const results = await Promise.all(signals.map((s, i) => recognise(asr, s, `call-${i}`)));
    expect(results.map((r) => r.final.text)).toEqual(['軟', '件', '軟件', '', '軟', '件']);
  });

  it('with hot-words, searches with them and writes the term as the lexicon does (臺北 for the model’s 台北)', async () => {
    // 台 and 北 sit one nat below 软 and 件 on the same bands: greedy search never picks them.
    const asr = await engine({ engine: 'sherpa-online', modelDir: streaming }, ['臺北', '大安區']);
    expect((await recognise(asr, CHECK_SIGNAL)).final.text).toBe('臺北');
    const withoutHotwords = await engine({ engine: 'sherpa-online', modelDir: streaming });
    expect((await recognise(withoutHotwords, CHECK_SIGNAL)).final.text).toBe('軟件');
  });

  it('loads the int8 encoder and joiner with the fp32 decoder, as upstream pairs them', async () => {
    const folder = detectOnlineModel(streaming);
    expect(folder.kind === 'transducer' && [folder.encoder, folder.decoder, folder.joiner]).toEqual([
      join(streaming, 'encoder-fixture-chunk-8.int8.onnx'),
      join(streaming, 'decoder-fixture-chunk-8.onnx'),
      join(streaming, 'joiner-fixture-chunk-8.int8.onnx'),
    ]);
    // The fixture's int8 decoder is unusable (no context_size): loading it is a clear error.
    const int8Only = join(root, 'fixture-int8-decoder-only');
    cpSync(streaming, int8Only, { recursive: true });
    unlinkSync(join(int8Only, 'decoder-fixture-chunk-8.onnx'));
    await expect(engine({ engine: 'sherpa-online', modelDir: int8Only })).rejects.toMatchObject({
      code: 'asr_model_invalid',
      message: expect.stringMatching(
        /decoder-fixture-chunk-8\.int8\.onnx: metadata 'context_size' is missing/,
      ),
    });
  });

  it('reports a recognizer the addon refuses as asr_load_failed, from its worker', async () => {
    const folder = detectOnlineModel(streaming);
    const gone = { ...folder, encoder: join(root, 'no-such-encoder.onnx') };
    await expect(createOnlineDecoder(gone, { numThreads: 1, provider: 'cpu' })).rejects.toMatchObject({
      code: 'asr_load_failed',
      message: expect.stringMatching(/^sherpa-onnx could not load .*: Please check your config/),
    });
  });

  it('builds and runs the recognizer off the main thread', async () => {
    // Constructing a streaming recognizer on this thread would now throw.
    const sherpa = createRequire(import.meta.url)('sherpa-onnx-node') as { OnlineRecognizer: unknown };
    const original = sherpa.OnlineRecognizer;
    sherpa.OnlineRecognizer = class {
      constructor() {
        throw new Error('a streaming recognizer was built on the main thread');
      }
    };
    try {
      const asr = await engine({ engine: 'sherpa-online', modelDir: streaming });
      expect((await recognise(asr, CHECK_SIGNAL)).final.text).toBe('軟件');
    } finally {
      sherpa.OnlineRecognizer = original;
    }
  });
});

describe('a streaming recognizer worker that crashes or hangs', () => {
  for (const fault of ['crash', 'hang'] as const) {
    it(`${fault}: its open utterances fail with asr_failed, a replacement recognizes the next ones`, async () => {
      const folder = detectOnlineModel(streaming);
      const decoder = await startOnlineDecoder(
        onlineRecognizerConfig(folder, { numThreads: 1, provider: 'cpu' }),
        {
          entry: new URL('./testing/faulty-worker.ts', import.meta.url),
          data: {
            inner: new URL('./online-worker.ts', import.meta.url).href,
            fault,
            faultOn: 'audio',
            faultAfter: 3,
            faultOnce: new SharedArrayBuffer(4),
          },
          // Only the injected fault may replace a worker: a loaded machine must not look like a hang.
          stuckAfterMs: fault === 'hang' ? 1_000 : 60_000,
        },
      );
      const feed = async (utterance: ReturnType<typeof decoder.open>) => {
        const samples = tones(CHECK_SIGNAL);
        for (let i = 0; i < samples.length; i += 1600) {
          utterance.accept(samples.subarray(i, i + 1600));
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return utterance.finish();
      };
      try {
        await expect(feed(decoder.open(16000))).rejects.toMatchObject({ code: 'asr_failed' });
        expect((await feed(decoder.open(16000))).text).toBe('软件');
      } finally {
        decoder.close();
      }
    });
  }
});

describe('a bad model folder', () => {
  it('is refused with asr_model_invalid before the addon sees it, and the process goes on', async () => {
    const noLfr = writeSenseVoiceFixture(join(root, 'fixture-sense-voice-no-lfr'), {
      omitMetadata: ['lfr_window_size'],
    });
    await expect(engine({ engine: 'two-pass', offlineModelDir: noLfr })).rejects.toMatchObject({
      code: 'asr_model_invalid',
      message: expect.stringMatching(/model\.onnx: metadata 'lfr_window_size' is missing/),
    });
    const noType = writeStreamingTransducerFixture(join(root, 'fixture-streaming-no-type'), {
      omitMetadata: ['model_type'],
    });
    await expect(engine({ engine: 'sherpa-online', modelDir: noType })).rejects.toMatchObject({
      code: 'asr_model_invalid',
      message: expect.stringMatching(/metadata 'model_type' is missing/),
    });
    const shortTokens = writeSenseVoiceFixture(join(root, 'fixture-sense-voice-short-tokens'));
    writeFileSync(join(shortTokens, 'tokens.txt'), '<blank> 0\n<|zh|> 1\n');
    await expect(engine({ engine: 'two-pass', offlineModelDir: shortTokens })).rejects.toMatchObject({
      code: 'asr_model_invalid',
      message: expect.stringMatching(/vocab_size is 7 but tokens\.txt lists only 2 tokens/),
    });
    // Still here, still recognising.
    const asr = await engine({ engine: 'two-pass', offlineModelDir: senseVoice });
    expect((await recognise(asr, CHECK_SIGNAL)).final.text).toBe('軟件');
  });

  it('would have ended the process inside the native addon (what the check prevents)', () => {
    const noLfr = join(root, 'fixture-sense-voice-no-lfr');
    const script = `require('sherpa-onnx-node').OfflineRecognizer.createAsync(${JSON.stringify({
      featConfig: { sampleRate: 16000, featureDim: 80 },
      modelConfig: {
        senseVoice: { model: join(noLfr, 'model.onnx'), language: 'zh', useInverseTextNormalization: 0 },
        tokens: join(noLfr, 'tokens.txt'),
        numThreads: 1,
        provider: 'cpu',
        debug: 0,
      },
    })}).then(() => console.log('loaded'), (e) => console.log('rejected', e.message));`;
    const child = spawnSync(process.execPath, ['-e', script], { cwd: process.cwd(), encoding: 'utf8' });
    expect(child.stdout).not.toMatch(/loaded|rejected/);
    expect(child.status).not.toBe(0);
    expect(child.stderr).toMatch(/lfr_window_size' does not exist in the metadata/);
  });
});

describe('the registry with real engines', () => {
  it('warms versions up, swaps them under a live call, splits calls A/B and rolls back', async () => {
    const registry = new AsrEngineRegistry();
    const v1 = await engine({ engine: 'sherpa-online', modelDir: streaming });
    await registry.add(v1);
    // A live call on v1, half-way through its utterance, while v2 loads and becomes active.
    const live = registry.engineFor('live-call');
    expect(live).toBe(v1);
    const samples = tones(CHECK_SIGNAL);
    const liveStream = v1.createStream({ sampleRate: 16000, caseId: 'live-call', startMs: 0, channel: 0 });
    liveStream.acceptWaveform(samples.subarray(0, 12800));
    const v2 = await engine({ engine: 'two-pass', offlineModelDir: senseVoice, modelDir: streaming });
    await registry.add(v2);
    registry.activate(v2.version);
    liveStream.acceptWaveform(samples.subarray(12800));
    expect((await liveStream.finish()).text).toBe('軟件');
    expect(registry.engineFor('next-call')).toBe(v2);
    expect((await recognise(v2, CHECK_SIGNAL, 'next-call')).final.text).toBe('軟件');

    registry.setCandidate(v1.version, 0.5);
    const routed = Array.from({ length: 200 }, (_, i) => registry.engineFor(`ab-${i}`)?.version);
    expect(new Set(routed)).toEqual(new Set([v1.version, v2.version]));
    expect(registry.rollback()).toBe(v1.version);
    expect(registry.engineFor('after-rollback')).toBe(v1);
    expect(registry.list().map((v) => [v.version, v.role])).toEqual([
      [v1.version, 'active'],
      [v2.version, 'standby'],
    ]);
  });

  it('does not hold a version whose folder is bad', async () => {
    const registry = new AsrEngineRegistry();
    await registry.add(await engine({ engine: 'two-pass', offlineModelDir: senseVoice }));
    const noType = writeStreamingTransducerFixture(join(root, 'fixture-streaming-no-dims'), {
      omitMetadata: ['encoder_dims'],
    });
    await expect(engine({ engine: 'sherpa-online', modelDir: noType })).rejects.toMatchObject({
      code: 'asr_model_invalid',
    });
    expect(registry.list()).toHaveLength(1);
  });
});
