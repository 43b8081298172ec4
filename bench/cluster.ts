/**
 * bench:cluster — what one server process costs per call, and how 1 → 2 processes scale on this
 * machine, with the load generator in its own process. Real NATS (127.0.0.1:4222) and PostgreSQL;
 * calls stream a real recording (looped) in real time through the VAD. Writes a table and
 * bench/results/cluster.json, plus a sizing for 5,000 concurrent calls from the measured costs.
 *
 *   npm run bench:cluster [-- --calls 12 --seconds 12]
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { readWav } from '../src/audio/index.js';
import { api, startServer, type ServerProcess } from '../test/crash/server.js';
import { audioManifest, repoRoot, sharedPaths } from '../test/shared.js';

const ADMIN = 'bench-cluster-admin-token-0123456789abcdef';
const PG = process.env.HOTLINE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

interface LoadResult {
  calls: number;
  events: number;
  seconds: number;
}

/** The generator (child process): `calls` concurrent calls spread over `urls`, real-time 100 ms frames. */
async function generate(urls: string[], token: string, calls: number, seconds: number): Promise<LoadResult> {
  const row = audioManifest().find((r) => r.sampleRate === 16_000 && r.durationS >= 4) ?? audioManifest()[0];
  const pcm = readWav(readFileSync(row?.path ?? '')).channels[0] as Int16Array;
  const audio = Buffer.concat([
    Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength),
    Buffer.alloc(32_000),
  ]);
  let events = 0;
  const run = async (n: number) => {
    const ws = new WebSocket(`${urls[n % urls.length]?.replace('http', 'ws')}/api/stream/asr?token=${token}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.on('message', () => events++);
    ws.send(JSON.stringify({ type: 'start', case_id: `bench-${randomBytes(4).toString('hex')}-${n}` }));
    const end = Date.now() + seconds * 1000;
    // Staggered so frames do not all arrive in the same millisecond.
    await new Promise((r) => setTimeout(r, (n * 100) / calls));
    for (let offset = 0; Date.now() < end; offset = (offset + 3200) % (audio.length - 3200)) {
      ws.send(audio.subarray(offset, offset + 3200));
      await new Promise((r) => setTimeout(r, 100));
    }
    ws.send(JSON.stringify({ type: 'end' }));
    await new Promise((r) => ws.once('close', r));
  };
  const began = Date.now();
  await Promise.all(Array.from({ length: calls }, (_, n) => run(n)));
  return { calls, events, seconds: (Date.now() - began) / 1000 };
}

if (process.argv[2] === '--generate') {
  const [, , , urls = '', token = '', calls = '0', seconds = '0'] = process.argv;
  const result = await generate(urls.split(','), token, Number(calls), Number(seconds));
  process.send?.(result);
  process.exit(0);
}

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

const calls = arg('calls', 12);
const seconds = arg('seconds', 12);
const database = `hotline_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: PG });
await admin.connect();
await admin.query(`create database ${database}`);
const prefix = `hb${randomBytes(4).toString('hex')}`;
const nodes: ServerProcess[] = [];
const node = async (name: string) => {
  const server = await startServer({
    HOTLINE_DATA_DIR: mkdtempSync(join(tmpdir(), `hotline-bench-${name}-`)),
    HOTLINE_DB_URL: PG.replace(/\/[^/]*$/, `/${database}`),
    HOTLINE_BUS_URL: 'nats://127.0.0.1:4222',
    HOTLINE_BUS_PREFIX: prefix,
    HOTLINE_NODE_ID: name,
    HOTLINE_ADMIN_TOKEN: ADMIN,
    HOTLINE_AUDIT_KEY: 'bench-cluster-audit-key-0123456789abcdef0123456789',
    HOTLINE_VAD_MODEL: sharedPaths.vadModel,
  });
  nodes.push(server);
  return server;
};

interface Run {
  processes: number;
  calls: number;
  cpuSecondsPerCallSecond: number;
  rssMbPerCall: number;
  baseRssMb: number;
  eventsPerCallSecond: number;
}

async function measure(servers: ServerProcess[], token: string, count: number): Promise<Run> {
  const pids = servers.map((s) => s.child.pid as number);
  const rss0 = pids.map(rssMb);
  const cpu0 = pids.map(cpuSeconds);
  const child = fork(join(repoRoot, 'bench/cluster.ts'), [
    '--generate',
    servers.map((s) => s.url).join(','),
    token,
    String(count),
    String(seconds),
  ]);
  let peak = rss0.map(() => 0);
  const sampler = setInterval(() => (peak = pids.map((p, i) => Math.max(peak[i] ?? 0, rssMb(p)))), 500);
  const load = await new Promise<LoadResult>((resolve) =>
    child.once('message', (m) => resolve(m as LoadResult)),
  );
  clearInterval(sampler);
  const cpu = pids.map((p, i) => cpuSeconds(p) - (cpu0[i] ?? 0)).reduce((a, b) => a + b, 0);
  const callSeconds = count * load.seconds;
  const base = rss0.reduce((a, b) => a + b, 0);
  return {
    processes: servers.length,
    calls: count,
    cpuSecondsPerCallSecond: cpu / callSeconds,
    rssMbPerCall: Math.max(0, peak.reduce((a, b) => a + b, 0) - base) / count,
    baseRssMb: base / servers.length,
    eventsPerCallSecond: load.events / callSeconds,
  };
}

try {
  const a = await node('bench-a');
  const token = (
    await api<{ token: string }>(`${a.url}/api/tokens`, ADMIN, 'POST', { name: 'gen', role: 'ingress' })
  ).json.token;
  const one = await measure([a], token, calls);
  const b = await node('bench-b');
  const two = await measure([a, b], token, calls * 2);
  // Efficiency: the per-call cost on one process over the per-call cost spread over two.
  const efficiency = one.cpuSecondsPerCallSecond / two.cpuSecondsPerCallSecond;
  const callsPerCore = 0.7 / two.cpuSecondsPerCallSecond; // at 70 % of a core, the headroom for peaks
  const target = 5000;
  const processes = Math.ceil(target / callsPerCore);
  const sizing = {
    concurrentCalls: target,
    callsPerProcessAt70PercentCore: Math.floor(callsPerCore),
    processes,
    cores: processes,
    memoryGb: Math.ceil((processes * two.baseRssMb + target * two.rssMbPerCall) / 1024),
    busMessagesPerSecond: Math.round(target * two.eventsPerCallSecond),
  };
  const table = [
    '| processes | calls | CPU s per call-second | RSS MB per call | events (bus msgs) per call-second |',
    '| --- | --- | --- | --- | --- |',
    ...[one, two].map(
      (r) =>
        `| ${r.processes} | ${r.calls} | ${r.cpuSecondsPerCallSecond.toFixed(4)} | ${r.rssMbPerCall.toFixed(2)} | ${r.eventsPerCallSecond.toFixed(2)} |`,
    ),
    '',
    `scaling 1 → 2 processes: efficiency ${(efficiency * 100).toFixed(0)} % (per-call CPU on 1 process ÷ on 2; ${availableParallelism()} cores shared with the generator)`,
    '',
    `| 5,000 concurrent calls | |`,
    '| --- | --- |',
    `| calls per process (70 % of a core) | ${sizing.callsPerProcessAt70PercentCore} |`,
    `| processes (= cores) | ${sizing.processes} |`,
    `| memory | ${sizing.memoryGb} GB |`,
    `| bus messages/s | ${sizing.busMessagesPerSecond} |`,
  ].join('\n');
  console.log(table);
  mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
  writeFileSync(
    join(repoRoot, 'bench/results/cluster.json'),
    JSON.stringify({ seconds, runs: [one, two], efficiency, sizing }, null, 2) + '\n',
  );
} finally {
  await Promise.all(nodes.map((n) => n.stop()));
  await admin.query(`drop database if exists ${database} with (force)`).catch(() => undefined);
  await admin.end();
}
