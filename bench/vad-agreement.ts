/**
 * `npm run bench:vad-agreement`: the batched Silero detector (onnxruntime-node, `src/asr/silero-*`)
 * against sherpa-onnx's Vad — what the product ran before — on every real recording in the shared
 * audio set, fed as the session feeds them (100 ms accept() calls, default settings):
 *
 * - `16k`: 16 kHz recordings. Both run Silero at 16 kHz: the events should be identical.
 * - `8k`: 8 kHz recordings, and every 16 kHz recording taken down to 8 kHz μ-law (telephone audio).
 *   The product runs Silero's own 8 kHz mode; sherpa-onnx only runs 16 kHz, so it gets the audio
 *   upsampled as the session used to do it. Same model, different input: boundaries can move.
 *
 * Prints per recording where they differ, then per group: identical event lists, recordings with the
 * same number of utterances, and how far matched boundaries are apart. Writes
 * bench/results/vad-agreement.json. `--no-gate` runs the product's detector without the energy gate.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  decodeToPcm16,
  encodeFromPcm16,
  float32ToPcm16,
  pcm16ToFloat32,
  readWav,
  resample,
  StreamingResampler,
} from '../src/audio/index.js';
import { SileroDetector, type SileroRate } from '../src/asr/silero-detector.js';
import { SileroModel } from '../src/asr/silero-model.js';
import { SherpaVadReference } from '../src/asr/testing/sherpa-vad-reference.js';
import { audioManifest, sharedPaths } from '../test/shared.js';

const { values: flags } = parseArgs({ options: { 'no-gate': { type: 'boolean', default: false } } });
const gate = !flags['no-gate'];
const settings = { threshold: 0.5, minSilenceMs: 800, minSpeechMs: 250, maxUtteranceMs: 20_000 };
const CHUNK_MS = 100;

interface Segment {
  startMs: number;
  endMs: number;
}
interface Outcome {
  file: string;
  group: '16k' | '8k';
  identical: boolean;
  sherpa: Segment[];
  ours: Segment[];
  gatedShare: number;
}

const model = await SileroModel.load(sharedPaths.vadModel);

/** Chunks of `CHUNK_MS` at the rate, as the socket delivers them. */
function chunks(pcm: Int16Array, rate: number): Int16Array[] {
  const step = (rate / 1000) * CHUNK_MS;
  const out: Int16Array[] = [];
  for (let i = 0; i < pcm.length; i += step) out.push(pcm.subarray(i, i + step));
  return out;
}

type Event = { type: string; startMs: number; endMs?: number };

async function ours(pcm: Int16Array, rate: SileroRate): Promise<{ events: Event[]; gatedShare: number }> {
  const detector = new SileroDetector(settings, rate, gate);
  for (const chunk of chunks(pcm, rate)) detector.accept(chunk);
  detector.flush();
  await model.drain([detector]);
  const { model: scored, gated } = detector.windowCounts;
  const events = detector
    .takeSteps()
    .flatMap((s) => s.events)
    .map((e) => ({
      type: e.type,
      startMs: e.startMs,
      ...(e.type === 'speech_end' ? { endMs: e.endMs } : {}),
    }));
  return { events, gatedShare: gated / (gated + scored) };
}

/** sherpa-onnx at 16 kHz, the audio upsampled per chunk as the session used to. */
function sherpa(pcm: Int16Array, rate: number): Event[] {
  const vad = new SherpaVadReference({ model: sharedPaths.vadModel, ...settings });
  const resampler = new StreamingResampler(rate, 16000);
  const events: Event[] = [];
  const keep = (list: ReturnType<SherpaVadReference['accept']>) =>
    events.push(
      ...list.map((e) => ({
        type: e.type,
        startMs: e.startMs,
        ...(e.type === 'speech_end' ? { endMs: e.endMs } : {}),
      })),
    );
  for (const chunk of chunks(pcm, rate)) {
    const samples = resampler.push(pcm16ToFloat32(chunk));
    if (samples.length > 0) keep(vad.accept(samples));
  }
  const tail = resampler.flush();
  if (tail.length > 0) keep(vad.accept(tail));
  keep(vad.flush());
  return events;
}

const segmentsOf = (events: Event[]): Segment[] =>
  events.filter((e) => e.type === 'speech_end').map((e) => ({ startMs: e.startMs, endMs: e.endMs ?? 0 }));

async function compare(file: string, group: Outcome['group'], pcm: Int16Array, rate: SileroRate) {
  const a = sherpa(pcm, rate);
  const b = await ours(pcm, rate);
  const outcome: Outcome = {
    file,
    group,
    identical: JSON.stringify(a) === JSON.stringify(b.events),
    sherpa: segmentsOf(a),
    ours: segmentsOf(b.events),
    gatedShare: b.gatedShare,
  };
  if (!outcome.identical) {
    const show = (s: Segment[]) => s.map((x) => `${x.startMs}–${x.endMs}`).join(' ');
    console.log(`[${group}] ${file}\n   sherpa ${show(outcome.sherpa)}\n   ours   ${show(outcome.ours)}`);
  }
  return outcome;
}

const outcomes: Outcome[] = [];
for (const row of audioManifest()) {
  const wav = readWav(readFileSync(row.path));
  const pcm = wav.channels[0] as Int16Array;
  if (wav.sampleRate === 16000) {
    outcomes.push(await compare(row.file, '16k', pcm, 16000));
    // The same speech as a telephone line carries it.
    const phone = decodeToPcm16(
      encodeFromPcm16(float32ToPcm16(resample(pcm16ToFloat32(pcm), 16000, 8000)), 'mulaw'),
      'mulaw',
      1,
    );
    outcomes.push(await compare(`${row.file} (as 8 kHz μ-law)`, '8k', phone, 8000));
  } else if (wav.sampleRate === 8000) {
    outcomes.push(await compare(row.file, '8k', pcm, 8000));
  }
}
await model.close();

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted.length
    ? (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number)
    : 0;
};
const summary = (['16k', '8k'] as const).map((group) => {
  const rows = outcomes.filter((o) => o.group === group);
  const sameCount = rows.filter((o) => o.sherpa.length === o.ours.length);
  const starts: number[] = [];
  const ends: number[] = [];
  for (const o of sameCount) {
    o.sherpa.forEach((s, i) => {
      starts.push(Math.abs(s.startMs - (o.ours[i] as Segment).startMs));
      ends.push(Math.abs(s.endMs - (o.ours[i] as Segment).endMs));
    });
  }
  return {
    group,
    recordings: rows.length,
    identical: rows.filter((o) => o.identical).length,
    sameUtteranceCount: sameCount.length,
    segments: starts.length,
    startDiffMs: { p50: pct(starts, 50), p90: pct(starts, 90), max: pct(starts, 100) },
    endDiffMs: { p50: pct(ends, 50), p90: pct(ends, 90), max: pct(ends, 100) },
    gatedWindowsShare: rows.reduce((n, o) => n + o.gatedShare, 0) / Math.max(1, rows.length),
  };
});
console.log(
  `\n| audio | recordings | identical events | same utterance count | start Δ p50/p90/max ms | end Δ p50/p90/max ms | windows gated |`,
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const s of summary) {
  console.log(
    `| ${s.group} | ${s.recordings} | ${s.identical} | ${s.sameUtteranceCount} | ` +
      `${s.startDiffMs.p50} / ${s.startDiffMs.p90} / ${s.startDiffMs.max} | ${s.endDiffMs.p50} / ${s.endDiffMs.p90} / ${s.endDiffMs.max} | ` +
      `${(s.gatedWindowsShare * 100).toFixed(1)} % |`,
  );
}
const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  join(resultsDir, 'vad-agreement.json'),
  JSON.stringify({ date: new Date().toISOString(), gate, settings, summary, outcomes }, null, 2),
);
