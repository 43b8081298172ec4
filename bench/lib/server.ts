/**
 * Benchmark server process. Modes:
 * - `gateway`: the app as `npm start` wires it (`startApp`) with the stream path alone: no recorder,
 *   text stage, assistant or VAD (no models);
 * - `vad`: `gateway` with the Silero VAD workers;
 * - `full`: the app exactly as `npm start` wires it (`startApp`: archive, text stage, Taipei FAQ
 *   assistant, VAD workers, metrics, auth), with the spoken-queries stand-in giving each utterance's
 *   final (no Mandarin model exists here);
 * - `asr`: `full` with the CPU-costed ASR stand-in in worker threads in front of that text;
 * - `echo`: a bare `ws` server echoing every message (the baseline).
 * Listens on 127.0.0.1 only, and reports its own CPU, memory and latencies to the parent over IPC.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';
import { configSchema, type ConfigInput } from '../../src/config/index.js';
import { startApp, type RunningApp } from '../../src/http/app.js';
import { CpuCostAsrStandIn } from '../../src/asr/testing/cpu-cost-stand-in.js';
import { sharedPaths } from '../../test/shared.js';
import { LatencyHistogram, serveRequests, type ServerSample } from './ipc.js';
import { SpokenQueriesStandIn } from './spoken-queries.js';

export type ServerMode = 'gateway' | 'vad' | 'full' | 'asr' | 'echo';
const mode = process.argv[2] as ServerMode;
if (!['gateway', 'vad', 'full', 'asr', 'echo'].includes(mode)) throw new Error(`unknown server mode ${mode}`);
const options = JSON.parse(process.argv[3] ?? '{}') as {
  /** Shared by the app scenarios of one run: the FAQ is imported at the first start only. */
  dataDir?: string;
  vadWorkers?: number;
  asrCostMs?: number;
  asrWorkers?: number;
};
export const BENCH_TOKEN = 'bench-admin-token-0123456789abcdef';

const frame = new LatencyHistogram();
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
let gcPauses = { count: 0, totalMs: 0, maxMs: 0 };
new PerformanceObserver((list) => {
  for (const { duration } of list.getEntries()) {
    gcPauses = {
      count: gcPauses.count + 1,
      totalMs: gcPauses.totalMs + duration,
      maxMs: Math.max(gcPauses.maxMs, duration),
    };
  }
}).observe({ entryTypes: ['gc'] });

interface Running {
  url: string;
  liveCalls(): number;
  /** Microseconds each inference worker has spent working (ASR stand-in). */
  busyMicros(): number[];
  close(): Promise<void>;
}

const ownDataDir = options.dataDir === undefined;
const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'hotline-bench-'));
const settings = (extra: ConfigInput = {}) =>
  configSchema.parse({
    dataDir,
    logLevel: 'silent',
    // All bench calls come from 127.0.0.1 under one token: the per-client and per-principal limits
    // are for the internet (with them, the 601st call of a minute was refused).
    server: {
      host: '127.0.0.1',
      port: 0,
      webDir: join(dataDir, 'no-web'),
      rateLimitPerMinute: 1_000_000,
      rateLimitPerPrincipalPerMinute: 1_000_000,
    },
    asr: { engine: 'none' },
    ...extra,
    vad: { ...extra.vad, ...(options.vadWorkers ? { workers: options.vadWorkers } : {}) },
  });

async function startGateway(withVad: boolean): Promise<Running> {
  const config = settings({
    vad: withVad ? { model: sharedPaths.vadModel } : {},
    auth: { adminToken: BENCH_TOKEN },
  });
  // The product's app with the stream path alone: no recorder, text stage or assistant (and no VAD
  // in `gateway`); the frame hook the metrics read is the one this benchmark reads.
  const app = await startApp(config, {
    asrEngine: null,
    leaveOut: withVad ? ['recorder', 'text', 'assistant'] : ['recorder', 'text', 'assistant', 'vad'],
    onFrameProcessed: (seconds) => frame.recordMs(seconds * 1000),
  });
  return appRunning(app, null);
}

async function startFull(withAsrStandIn: boolean): Promise<Running> {
  const config = settings({
    vad: { model: sharedPaths.vadModel },
    text: { lexiconDir: sharedPaths.lexiconDir },
    knowledge: { seed: sharedPaths.faq },
    auth: { adminToken: BENCH_TOKEN },
  });
  const text = new SpokenQueriesStandIn();
  const standIn = withAsrStandIn
    ? await CpuCostAsrStandIn.start(text, {
        costMsPerAudioSecond: options.asrCostMs ?? 100,
        workers: options.asrWorkers ?? 2,
      })
    : null;
  const app = await startApp(config, { asrEngine: standIn ?? text });
  return appRunning(app, standIn);
}

function appRunning(app: RunningApp, standIn: CpuCostAsrStandIn | null): Running {
  return {
    url: `${app.url.replace(/^http/, 'ws')}/api/stream/asr?token=${BENCH_TOKEN}`,
    liveCalls: () => app.calls.liveCount,
    busyMicros: () => standIn?.busyMicros ?? [],
    async close() {
      await app.close();
      standIn?.close();
    },
  };
}

async function startEcho(): Promise<Running> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  wss.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      const began = performance.now();
      socket.send(data, { binary: isBinary });
      frame.recordMs(performance.now() - began);
    });
  });
  const address = wss.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `ws://127.0.0.1:${port}/`,
    liveCalls: () => wss.clients.size,
    busyMicros: () => [],
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  };
}

const running = await (mode === 'echo'
  ? startEcho()
  : mode === 'full' || mode === 'asr'
    ? startFull(mode === 'asr')
    : startGateway(mode === 'vad'));

serveRequests(async (request) => {
  switch (request.type) {
    case 'url':
      return running.url;
    case 'sample': {
      const cpu = process.cpuUsage();
      const sample: ServerSample = {
        atMs: performance.now(),
        cpuMicros: cpu.user + cpu.system,
        mainThread: mainThread(),
        machineMicros: machineMicros(),
        rssBytes: process.memoryUsage.rss(),
        liveCalls: running.liveCalls(),
        frame: frame.take(),
        loopDelay: {
          count: loop.count,
          p50: loop.percentile(50) / 1e6,
          p99: loop.percentile(99) / 1e6,
          max: loop.max / 1e6,
        },
        gcPauses,
        workerBusyMicros: running.busyMicros(),
      };
      loop.reset();
      gcPauses = { count: 0, totalMs: 0, maxMs: 0 };
      return sample;
    }
    case 'gc':
      // Lets memory-per-call compare like with like when the parent runs with --expose-gc.
      globalThis.gc?.();
      return null;
    case 'stop':
      await running.close();
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
      setImmediate(() => process.exit(0));
      return null;
    default:
      throw new Error(`unknown request ${request.type}`);
  }
});

/** The main thread's (its task id is the pid) time on a core and waiting for one, from /proc schedstat (ns). */
function mainThread(): ServerSample['mainThread'] {
  try {
    const [onCpu, waiting] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8')
      .split(' ')
      .map(Number);
    return onCpu === undefined || waiting === undefined
      ? null
      : { cpuMicros: onCpu / 1e3, waitMicros: waiting / 1e3 };
  } catch {
    return null;
  }
}

/** Busy CPU of the whole machine from /proc/stat's first line: all but idle and iowait; USER_HZ is 100. */
function machineMicros(): number | null {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
      .slice(0, 200)
      .split('\n')[0]!
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return [user, nice, system, irq, softirq, steal].reduce<number>((sum, v) => sum + (v ?? 0), 0) * 10_000;
  } catch {
    return null;
  }
}
