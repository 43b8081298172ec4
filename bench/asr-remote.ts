/**
 * `npm run bench:asr-remote` — what the `remote` ASR engine adds to an utterance's final beyond the
 * transcription server's own time: from `finish()` (the VAD's end of utterance) to the final text,
 * i.e. joining the buffered frames, WAV encoding, multipart POST over loopback, JSON parsing and the
 * s2twp conversion. Against a local transcription TEST SERVER that answers at once (it transcribes
 * nothing), on the real 16 kHz recordings of the shared set, one at a time and 16 in parallel.
 * Baseline in the same run: a bare `fetch` POST of the already-encoded WAV to the same server.
 * Writes bench/results/asr-remote.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { float32ToPcm16, pcm16ToFloat32, readWav, writeWav } from '../src/audio/index.js';
import { createRemoteEngine } from '../src/asr/remote.js';
import { percentile } from '../src/knowledge/evaluate.js';
import { audioManifest, repoRoot } from '../test/shared.js';

const ROUNDS = Number(process.env.BENCH_ASR_REMOTE_ROUNDS ?? 20);
const PARALLEL = [1, 16];

const utterances = audioManifest()
  .filter((row) => row.sampleRate === 16000)
  .map((row) => pcm16ToFloat32(readWav(readFileSync(row.path)).channels[0] as Int16Array));

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"我要申请软件补助"}'),
  );
});
await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
const engine = createRemoteEngine({ url, model: 'bench', timeoutMs: 30_000 });

async function viaEngine(samples: Float32Array): Promise<number> {
  const stream = engine.createStream({ sampleRate: 16000, caseId: 'bench', startMs: 0, channel: 0 });
  for (let i = 0; i < samples.length; i += 1600) stream.acceptWaveform(samples.subarray(i, i + 1600));
  const t = performance.now();
  await stream.finish();
  return performance.now() - t;
}

const encoded = utterances.map((samples) => writeWav([float32ToPcm16(samples)], 16000).slice());
async function bareFetch(index: number): Promise<number> {
  const t = performance.now();
  const form = new FormData();
  form.append('file', new Blob([encoded[index] as Uint8Array<ArrayBuffer>], { type: 'audio/wav' }), 'u.wav');
  form.append('model', 'bench');
  const response = await fetch(`${url}/audio/transcriptions`, { method: 'POST', body: form });
  await response.json();
  return performance.now() - t;
}

async function run(parallel: number, one: (index: number) => Promise<number>) {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < utterances.length; i += parallel) {
      const batch = Array.from({ length: Math.min(parallel, utterances.length - i) }, (_, k) => one(i + k));
      times.push(...(await Promise.all(batch)));
    }
  }
  times.sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return { n: times.length, p50_ms: round(percentile(times, 50)), p99_ms: round(percentile(times, 99)) };
}

/** The WAV encoding alone (src/audio writeWav), to attribute the engine's share. */
async function wavEncodeOnly(index: number): Promise<number> {
  const t = performance.now();
  writeWav([float32ToPcm16(utterances[index] as Float32Array)], 16000);
  return performance.now() - t;
}

const seconds = utterances.reduce((s, u) => s + u.length / 16000, 0) / utterances.length;
await run(4, (i) => viaEngine(utterances[i] as Float32Array)); // warm-up (JIT, opencc dictionaries, sockets)
const rows = [];
for (const parallel of PARALLEL) {
  const remote = await run(parallel, (i) => viaEngine(utterances[i] as Float32Array));
  const baseline = await run(parallel, bareFetch);
  rows.push({
    parallel,
    remote,
    baseline,
    p50_ratio: Math.round((remote.p50_ms / baseline.p50_ms) * 100) / 100,
  });
}
const wavEncode = await run(1, wavEncodeOnly);
server.close();

console.log(
  `remote ASR engine: finish() → final, ${utterances.length} real utterances (mean ${seconds.toFixed(1)} s), ${ROUNDS} rounds`,
);
console.log('parallel | engine p50 / p99 ms | bare fetch p50 / p99 ms | p50 ratio');
for (const r of rows) {
  console.log(
    `${String(r.parallel).padStart(8)} | ${`${r.remote.p50_ms} / ${r.remote.p99_ms}`.padStart(19)} | ${`${r.baseline.p50_ms} / ${r.baseline.p99_ms}`.padStart(23)} | ${r.p50_ratio}`,
  );
}
console.log(
  `of which PCM16 + WAV encoding (src/audio writeWav) alone: p50 ${wavEncode.p50_ms} ms, p99 ${wavEncode.p99_ms} ms`,
);
const out = join(repoRoot, 'bench/results');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'asr-remote.json'),
  `${JSON.stringify({ bench: 'asr-remote', utterances: utterances.length, meanSeconds: seconds, rounds: ROUNDS, rows, wavEncode }, null, 2)}\n`,
);
