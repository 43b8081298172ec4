import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioManifest, sharedPaths } from '../../test/shared.js';
import { createLogger } from '../config/index.js';
import {
  decodeToPcm16,
  encodeFromPcm16,
  float32ToPcm16,
  pcm16ToFloat32,
  readWav,
  resample,
  StreamingResampler,
} from '../audio/index.js';
import { SherpaVadReference } from './testing/sherpa-vad-reference.js';
import { VadModelError } from './vad-errors.js';
import { VadService, type VadEvent, type VadServiceOptions, type VadSettings } from './vad-service.js';

const settings: VadSettings = { threshold: 0.5, minSilenceMs: 800, minSpeechMs: 250, maxUtteranceMs: 20_000 };
const logger = createLogger('silent');
const options = (more: Partial<VadServiceOptions> = {}): VadServiceOptions => ({
  model: sharedPaths.vadModel,
  workers: 2,
  gate: true,
  telephone: 'native',
  stuckAfterMs: 2_000,
  batchMs: 10,
  logger,
  ...more,
});

const manifest = audioManifest();
const byFile = (file: string) => manifest.find((r) => r.file === file)!;
const meeting = manifest.find((r) => r.file.includes('TEST_MEETING'))!;

function pcmOf(path: string): { pcm: Int16Array; rate: 8000 | 16000 } {
  const wav = readWav(readFileSync(path));
  return { pcm: wav.channels[0]!, rate: wav.sampleRate as 8000 | 16000 };
}

/** One recording through the service: frames of `chunkMs`, then the end of audio. */
async function detect(
  service: VadService,
  path: string,
  overrides: Partial<VadSettings> = {},
  chunkMs = 100,
): Promise<{ events: VadEvent[]; failures: string[]; rate: number }> {
  const { pcm, rate } = pcmOf(path);
  return detectPcm(service, pcm, rate, overrides, chunkMs);
}

async function detectPcm(
  service: VadService,
  pcm: Int16Array,
  rate: 8000 | 16000,
  overrides: Partial<VadSettings> = {},
  chunkMs = 100,
): Promise<{ events: VadEvent[]; failures: string[]; rate: number }> {
  const events: VadEvent[] = [];
  const failures: string[] = [];
  const channel = service.open(
    rate,
    { ...settings, ...overrides },
    {
      onResult: (r) => events.push(...r.steps.flatMap((s) => s.events)),
      onFailure: (e) => failures.push(e.code),
    },
  );
  const step = (rate / 1000) * chunkMs;
  for (let i = 0; i < pcm.length; i += step) channel.accept(pcm.subarray(i, i + step));
  await channel.flush();
  channel.close();
  return { events, failures, rate };
}

const ends = (events: VadEvent[]) =>
  events.filter((e): e is Extract<VadEvent, { type: 'speech_end' }> => e.type === 'speech_end');

type Comparable = { type: string; startMs: number; endMs?: number };
const comparable = (events: VadEvent[]): Comparable[] =>
  events.map((e) => ({
    type: e.type,
    startMs: e.startMs,
    ...(e.type === 'speech_end' ? { endMs: e.endMs } : {}),
  }));
const segmentsOf = (events: Comparable[]) =>
  events.filter((e) => e.type === 'speech_end').map((e) => ({ startMs: e.startMs, endMs: e.endMs! }));

/** 16 kHz speech as a telephone line carries it: 8 kHz μ-law. */
const telephone = (pcm: Int16Array) =>
  decodeToPcm16(
    encodeFromPcm16(float32ToPcm16(resample(pcm16ToFloat32(pcm), 16000, 8000)), 'mulaw'),
    'mulaw',
    1,
  );

/** What the product ran before: sherpa-onnx's Vad on 16 kHz audio, 8 kHz upsampled per frame. */
function sherpaEvents(path: string): Comparable[] {
  const { pcm, rate } = pcmOf(path);
  return sherpaEventsOf(pcm, rate);
}

function sherpaEventsOf(pcm: Int16Array, rate: number): Comparable[] {
  const vad = new SherpaVadReference({ model: sharedPaths.vadModel, ...settings });
  const resampler = new StreamingResampler(rate, 16000);
  const out: Array<{ type: string; startMs: number; endMs?: number }> = [];
  const keep = (list: ReturnType<SherpaVadReference['accept']>) =>
    out.push(
      ...list.map((e) => ({ type: e.type, startMs: e.startMs, ...('endMs' in e ? { endMs: e.endMs } : {}) })),
    );
  const step = rate / 10;
  for (let i = 0; i < pcm.length; i += step) {
    const samples = resampler.push(pcm16ToFloat32(pcm.subarray(i, i + step)));
    if (samples.length > 0) keep(vad.accept(samples));
  }
  keep(vad.flush());
  return out;
}

describe('Silero VAD in worker threads on real recordings', () => {
  let service: VadService;
  beforeAll(async () => {
    service = await VadService.start(options());
  });
  afterAll(async () => service?.close());

  it('finds speech in every 16 kHz and 8 kHz recording, starts before ends, inside the audio', async () => {
    for (const row of manifest.filter((r) => r.sampleRate === 16000 || r.sampleRate === 8000)) {
      const { events, failures, rate } = await detect(service, row.path);
      expect(failures).toEqual([]);
      const segments = ends(events);
      expect(segments.length, row.file).toBeGreaterThan(0);
      let open = false;
      for (const e of events) {
        expect(e.type === 'speech_start' ? !open : open, `${row.file}: alternating start/end`).toBe(true);
        open = e.type === 'speech_start';
      }
      for (const s of segments) {
        expect(s.endMs).toBeGreaterThan(s.startMs);
        expect(s.endMs).toBeLessThanOrEqual(row.durationS * 1000 + 50);
        // Sample positions are in the call's own rate and agree with the times.
        expect(Math.abs(s.sampleCount - (s.endMs - s.startMs) * (rate / 1000))).toBeLessThanOrEqual(
          rate / 1000,
        );
        expect(Math.abs(s.startSample - s.startMs * (rate / 1000))).toBeLessThanOrEqual(rate / 1000);
      }
    }
  });

  it('at 16 kHz gives exactly the events sherpa-onnx gave, on every recording', async () => {
    for (const row of manifest.filter((r) => r.sampleRate === 16000)) {
      expect(comparable((await detect(service, row.path)).events), row.file).toEqual(sherpaEvents(row.path));
    }
  });

  it("at 8 kHz (Silero's own 8 kHz mode) finds the utterances sherpa-onnx found on the upsampled audio", async () => {
    // Every 8 kHz recording, and every 16 kHz one as a telephone line carries it (8 kHz μ-law).
    const rows = manifest.filter((r) => r.sampleRate === 8000 || r.sampleRate === 16000);
    const starts: number[] = [];
    const ends: number[] = [];
    for (const row of rows) {
      const phone = row.sampleRate === 8000 ? pcmOf(row.path).pcm : telephone(pcmOf(row.path).pcm);
      const ours = segmentsOf(comparable((await detectPcm(service, phone, 8000)).events));
      const theirs = segmentsOf(sherpaEventsOf(phone, 8000));
      expect(ours.length, row.file).toBe(theirs.length);
      ours.forEach((s, i) => {
        starts.push(Math.abs(s.startMs - theirs[i]!.startMs));
        ends.push(Math.abs(s.endMs - theirs[i]!.endMs));
      });
    }
    // Mostly the same windows; where the two modes differ, by a window or two (see bench:vad-agreement).
    const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;
    expect(p90(starts)).toBeLessThanOrEqual(100);
    expect(p90(ends)).toBeLessThanOrEqual(100);
  });

  it("with telephone: 'upsample', 8 kHz calls get exactly sherpa-onnx's events (upsampled as before)", async () => {
    const upsampling = await VadService.start(options({ telephone: 'upsample', workers: 1 }));
    try {
      for (const row of manifest.filter((r) => r.sampleRate === 8000)) {
        expect(comparable((await detect(upsampling, row.path)).events), row.file).toEqual(
          sherpaEvents(row.path),
        );
      }
    } finally {
      await upsampling.close();
    }
  });

  it('splits the meeting recording at its pause with 800 ms trailing silence, and not with 3 s', async () => {
    expect(ends((await detect(service, meeting.path)).events).length).toBeGreaterThanOrEqual(2);
    expect(ends((await detect(service, meeting.path, { minSilenceMs: 3000 })).events)).toHaveLength(1);
  });

  it('cuts an utterance at the maximum length', async () => {
    const long = byFile('bilingual-zh-en/4.wav');
    const segments = ends(
      (await detect(service, long.path, { maxUtteranceMs: 5000, minSilenceMs: 2000 })).events,
    );
    expect(segments.length).toBeGreaterThanOrEqual(3);
    // sherpa-onnx's rules cut at the limit and keep the pre-roll (up to ~0.6 s) in front of the cut.
    for (const s of segments) expect(s.endMs - s.startMs).toBeLessThanOrEqual(5600);
  });

  it('finds the same utterances whatever the frame size (10 ms to 1 s)', async () => {
    const row = byFile('paraformer-zh-2023-03-28/8k.wav');
    const a = ends((await detect(service, row.path, {}, 10)).events);
    const b = ends((await detect(service, row.path, {}, 1000)).events);
    expect(a).toHaveLength(b.length);
    // Ends are exact; the pre-roll kept in front of a start depends on where frames fall.
    a.forEach((s, i) => {
      expect(Math.abs(s.endMs - b[i]!.endMs)).toBeLessThanOrEqual(1);
      expect(Math.abs(s.startMs - b[i]!.startMs)).toBeLessThanOrEqual(200);
    });
  });

  it('many calls at once, each with its own settings, get what each gets alone', async () => {
    const rows = manifest.filter((r) => r.sampleRate === 16000).slice(0, 12);
    const alone = [];
    for (const [i, row] of rows.entries())
      alone.push(await detect(service, row.path, { minSilenceMs: 300 + 100 * i }));
    const together = await Promise.all(
      rows.map((row, i) => detect(service, row.path, { minSilenceMs: 300 + 100 * i })),
    );
    expect(together.map((t) => t.events)).toEqual(alone.map((a) => a.events));
    expect(service.stats.channels).toBe(0);
  });
});

describe('VAD model checks at start', () => {
  it('says clearly when the model file is missing', async () => {
    await expect(VadService.start(options({ model: '/nonexistent/vad.onnx' }))).rejects.toMatchObject({
      code: 'vad_model_missing',
    });
  });

  it('refuses an ONNX file that is not Silero VAD v5, naming what it has', async () => {
    const v4 = sharedPaths.vadModel.replace('silero_vad.onnx', 'silero_vad_v4_sherpa.onnx');
    const err = await VadService.start(options({ model: v4, workers: 1 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VadModelError);
    expect(err).toMatchObject({ code: 'vad_model_invalid' });
    expect((err as Error).message).toMatch(/not a Silero VAD v5 model: inputs/);
  });
});

describe('a VAD worker that crashes or hangs', () => {
  for (const fault of ['crash', 'hang'] as const) {
    it(`${fault}: its calls get a non-fatal vad_failed, a replacement takes over, detection goes on`, async () => {
      const service = await VadService.start(
        options({
          workers: 1,
          stuckAfterMs: 300,
          worker: {
            entry: new URL('./testing/faulty-worker.ts', import.meta.url),
            data: {
              inner: new URL('./vad-worker.ts', import.meta.url).href,
              fault,
              faultOn: 'audio',
              faultAfter: 3,
              faultOnce: new SharedArrayBuffer(4),
            },
          },
        }),
      );
      try {
        const row = byFile('paraformer-zh-2023-03-28/8k.wav');
        const { pcm, rate } = pcmOf(row.path);
        const events: VadEvent[] = [];
        const failures: string[] = [];
        const channel = service.open(rate, settings, {
          onResult: (r) => events.push(...r.steps.flatMap((s) => s.events)),
          onFailure: (e) => failures.push(e.code),
        });
        // A frame every 10 ms, twice through the recording: the fault comes early in the first pass,
        // the second is handled by the replacement.
        for (let pass = 0; pass < 2; pass++) {
          for (let i = 0; i < pcm.length; i += 800) {
            channel.accept(pcm.subarray(i, i + 800));
            await new Promise((r) => setTimeout(r, 10));
          }
        }
        await channel.flush();
        expect(failures).toEqual(['vad_failed']);
        expect(service.stats.replaced).toBe(1);
        // Speech after the replacement is still found.
        expect(
          ends(events).some((e) => e.startMs > 4200),
          JSON.stringify(events),
        ).toBe(true);
      } finally {
        await service.close();
      }
    });
  }
});

describe('a server loop that stalls while its VAD worker is idle', () => {
  it('is not a stuck worker: audio posted as the loop resumes is answered, no vad_failed', async () => {
    const service = await VadService.start(options({ workers: 1, stuckAfterMs: 200 }));
    try {
      const { pcm, rate } = pcmOf(byFile('paraformer-zh-2023-03-28/8k.wav').path);
      const failures: string[] = [];
      const channel = service.open(rate, settings, {
        onResult: () => undefined,
        onFailure: (e) => failures.push(e.code),
      });
      // Audio is queued (posted batchMs later), then the loop is blocked past stuckAfterMs, as
      // ending many calls at once can block it: when it resumes, the post and the overdue watchdog
      // run in the same turn, before the idle worker can have answered. Five times, since where the
      // watchdog's tick falls is not up to the test.
      for (let round = 0; round < 5; round++) {
        channel.accept(pcm.subarray(round * 800, (round + 1) * 800));
        const blockedUntil = Date.now() + 500;
        while (Date.now() < blockedUntil) {
          // The server's loop is busy elsewhere.
        }
        await channel.flush();
      }
      expect(failures).toEqual([]);
      expect(service.stats.replaced).toBe(0);
    } finally {
      await service.close();
    }
  });
});
