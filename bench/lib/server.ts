/**
 * Benchmark server process: `gateway` (the product's stream stack, no VAD), `vad` (real Silero VAD
 * per call) or `echo` (a bare `ws` server echoing every message: the baseline). Listens on
 * 127.0.0.1 only, and reports its own CPU, memory and latencies to the parent over IPC.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';
import { configSchema, createLogger, resolvePaths } from '../../src/config/index.js';
import { createHttpServer } from '../../src/http/server.js';
import { createMetrics } from '../../src/http/metrics.js';
import { streamRoutes } from '../../src/ingress/index.js';
import { CallSessionManager } from '../../src/session/index.js';
import { VadService } from '../../src/asr/index.js';
import { sharedPaths } from '../../test/shared.js';
import { LatencyHistogram, serveRequests, type ServerSample } from './ipc.js';

type Mode = 'gateway' | 'vad' | 'echo';
const mode = process.argv[2] as Mode;
if (!['gateway', 'vad', 'echo'].includes(mode)) throw new Error(`unknown server mode ${mode}`);

const frame = new LatencyHistogram();
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();

interface Running {
  url: string;
  liveCalls(): number;
  close(): Promise<void>;
}

async function startGateway(withVad: boolean): Promise<Running> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hotline-bench-'));
  const config = configSchema.parse({
    dataDir,
    logLevel: 'silent',
    server: { host: '127.0.0.1', port: 0, webDir: join(dataDir, 'no-web') },
    vad: withVad ? { model: sharedPaths.vadModel } : {},
    asr: { engine: 'none' },
  });
  const logger = createLogger(config.logLevel);
  const paths = resolvePaths(config);
  // The stream stack exactly as startApp wires it (no store: the stream path does not touch it),
  // plus the metrics the app serves, fed by the same frame hook this benchmark reads.
  const vad = paths.vadModel
    ? await VadService.start({ ...config.vad, model: paths.vadModel, logger })
    : null;
  const calls = new CallSessionManager({
    config,
    logger,
    asrEngineFor: () => null,
    vad,
    text: null,
    assistant: null,
    recorder: null,
  });
  const metrics = createMetrics();
  metrics.watchCalls(calls);
  const server = await createHttpServer({ config, logger });
  await server.register(metrics.plugin);
  await server.register(streamRoutes, {
    manager: calls,
    config,
    logger,
    onFrameProcessed: (seconds) => {
      metrics.onFrameProcessed(seconds);
      frame.recordMs(seconds * 1000);
    },
  });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: `${url.replace(/^http/, 'ws')}/api/stream/asr`,
    liveCalls: () => calls.liveCount,
    async close() {
      await calls.shutdown();
      await server.close();
      await vad?.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startEcho(): Promise<Running> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  wss.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      const began = process.hrtime.bigint();
      socket.send(data, { binary: isBinary });
      frame.recordMs(Number(process.hrtime.bigint() - began) / 1e6);
    });
  });
  const address = wss.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `ws://127.0.0.1:${port}/`,
    liveCalls: () => wss.clients.size,
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  };
}

const running = await (mode === 'echo' ? startEcho() : startGateway(mode === 'vad'));

serveRequests(async (request) => {
  switch (request.type) {
    case 'url':
      return running.url;
    case 'sample': {
      const sample: ServerSample = {
        atMs: performance.now(),
        cpuMicros: (() => {
          const c = process.cpuUsage();
          return c.user + c.system;
        })(),
        rssBytes: process.memoryUsage.rss(),
        liveCalls: running.liveCalls(),
        frame: frame.take(),
        loopDelay: {
          count: loop.count,
          p50: loop.percentile(50) / 1e6,
          p99: loop.percentile(99) / 1e6,
          max: loop.max / 1e6,
        },
      };
      loop.reset();
      return sample;
    }
    case 'gc':
      // Lets memory-per-call compare like with like when the parent runs with --expose-gc.
      globalThis.gc?.();
      return null;
    case 'stop':
      await running.close();
      setImmediate(() => process.exit(0));
      return null;
    default:
      throw new Error(`unknown request ${request.type}`);
  }
});
