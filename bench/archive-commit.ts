/**
 * `npm run bench:archive-commit` — how long a `speech_end` waits for its durable commit (the
 * utterance's WAV, the call audio since the last chunk, the journal line: `src/cases/group-commit.ts`)
 * with many live calls, on an idle and on a busy event loop. Every step of a commit is a thread-pool
 * operation whose result waits for a turn of the loop, so on a busy loop the number of steps one
 * after another is what a speech event pays. The archive as `startApp` builds it (SQLite, the data
 * directory's file system), fed real 8 kHz call audio from the shared set: a 100 ms frame per call
 * every 100 ms, and an utterance of 2 s ending every 4 s per call, spread evenly over the calls.
 * "busy" spins the loop for that share of every 10 ms, as the rest of a loaded server would.
 * Baseline in the same run: one fsynced write of a WAV of the utterance's size (open, write, fsync,
 * close). Writes bench/results/archive-commit.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav, writeWav } from '../src/audio/index.js';
import { createArchive } from '../src/cases/index.js';
import { createRedactingTextDouble } from '../src/cases/testing/text-double.js';
import { createLogger, loadConfig } from '../src/config/index.js';
import { percentile } from '../src/knowledge/evaluate.js';
import type { ServerEvent } from '../src/protocol/index.js';
import { openStore } from '../src/store/index.js';
import { audioManifest, repoRoot } from '../test/shared.js';

const CALLS = (process.env.BENCH_ARCHIVE_CALLS ?? '150,300').split(',').map(Number);
const BUSY = [0, 0.6];
const SECONDS = Number(process.env.BENCH_ARCHIVE_SECONDS ?? 10);
const FRAME = 800; // 100 ms at 8 kHz
const UTTERANCE_EVERY = 40; // frames: one utterance end per call every 4 s

const source = audioManifest().find((row) => row.sampleRate === 8000);
if (!source) throw new Error('no 8 kHz recording in the shared audio manifest');
const audio = readWav(readFileSync(source.path)).channels[0] as Int16Array;
const at = (sample: number, length: number): Int16Array => {
  const out = new Int16Array(length);
  for (let i = 0; i < length; i++) out[i] = audio[(sample + i) % audio.length] as number;
  return out;
};

interface Row {
  calls: number;
  busy: number;
  commits: number;
  p50: number;
  p90: number;
  p99: number;
  fsyncP50: number;
  fsyncP99: number;
}

async function measure(calls: number, busy: number): Promise<Row> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hotline-bench-archive-'));
  const store = await openStore({ sqliteFile: join(dataDir, 'hotline.db') });
  const { recorder } = await createArchive({
    store,
    config: loadConfig({ env: {}, overrides: { dataDir, logLevel: 'silent' } }),
    text: createRedactingTextDouble(),
    logger: createLogger('silent'),
  });
  const cases = Array.from({ length: calls }, (_, c) => `bench-${c}`);
  for (const caseId of cases)
    await recorder.callStarted({
      caseId,
      agentId: 'amy',
      startedAt: new Date(),
      format: 'mulaw',
      sampleRate: 8000,
      channels: 1,
      asrVersion: null,
    });
  const spin = setInterval(() => {
    const began = performance.now();
    while (performance.now() - began < 10 * busy);
  }, 10);
  const commits: number[] = [];
  const fsyncs: number[] = [];
  const wav = writeWav([at(0, 2 * 8000)], 8000);
  const baseline = setInterval(() => {
    const began = performance.now();
    const path = join(dataDir, `baseline-${began}.wav`);
    void open(path, 'w')
      .then(async (file) => {
        await file.writeFile(wav);
        await file.sync();
        await file.close();
        fsyncs.push(performance.now() - began);
      })
      .then(() => rm(path));
  }, 50);
  let tick = 0;
  let seq = 1;
  await new Promise<void>((done) => {
    const started = performance.now();
    // Calls spread over 20 slots of the 100 ms frame period, as the stream benchmark's are.
    const slots = setInterval(() => {
      for (let c = tick % 20; c < calls; c += 20) {
        const caseId = cases[c] as string;
        const frame = Math.floor(tick / 20);
        recorder.callAudio(caseId, [at(frame * FRAME + c * 997, FRAME)]);
        if ((frame + c) % UTTERANCE_EVERY !== 0) continue;
        const began = performance.now();
        const utteranceId = `u${frame}`;
        const span = { start_ms: frame * 100 - 2000, end_ms: frame * 100 };
        void recorder.utteranceAudio({
          caseId,
          utteranceId,
          speaker: 'caller',
          channel: 0,
          startMs: span.start_ms,
          endMs: span.end_ms,
          pcm: at(frame * FRAME - 16000, 16000),
          sampleRate: 8000,
        });
        const event = {
          type: 'speech_end',
          case_id: caseId,
          seq: seq++,
          ts: Date.now(),
          utterance_id: utteranceId,
          ...span,
        };
        void Promise.resolve(recorder.event(event as ServerEvent)).then(() =>
          commits.push(performance.now() - began),
        );
      }
      tick++;
      if (performance.now() - started < SECONDS * 1000) return;
      clearInterval(slots);
      done();
    }, 5);
  });
  clearInterval(spin);
  clearInterval(baseline);
  await recorder.flush();
  await new Promise((resolve) => setTimeout(resolve, 500));
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
  const ms = (values: number[], p: number) => Math.round(percentile(values, p) * 10) / 10;
  return {
    calls,
    busy,
    commits: commits.length,
    p50: ms(commits, 50),
    p90: ms(commits, 90),
    p99: ms(commits, 99),
    fsyncP50: ms(fsyncs, 50),
    fsyncP99: ms(fsyncs, 99),
  };
}

const load = loadavg()[0] as number;
const rows: Row[] = [];
for (const calls of CALLS) for (const busy of BUSY) rows.push(await measure(calls, busy));

console.log(`\nspeech_end → durable (load ${load.toFixed(2)} before the run, ${SECONDS} s per row)`);
console.log('| calls | loop busy | commits | p50 / p90 / p99 ms | baseline: one fsynced WAV p50 / p99 ms |');
console.log('| ----: | --------: | ------: | ------------------ | -------------------------------------- |');
for (const r of rows)
  console.log(
    `| ${r.calls} | ${Math.round(r.busy * 100)} % | ${r.commits} | ${r.p50} / ${r.p90} / ${r.p99} | ${r.fsyncP50} / ${r.fsyncP99} |`,
  );
const out = join(repoRoot, 'bench/results');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'archive-commit.json'),
  `${JSON.stringify({ load, seconds: SECONDS, rows }, null, 2)}\n`,
);
