/**
 * Capacity behaviour a deployment relies on (speed targets themselves are in `bench/`): memory stays
 * flat over many calls with varied VAD settings (models are per process, a call holds only its
 * state), and a burst of call starts does not stall the server's event loop.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { audioManifest, sharedPaths } from '../shared.js';
import { encodeFromPcm16, readWav } from '../../src/audio/index.js';
import { loadConfig, createLogger } from '../../src/config/index.js';
import { VadService } from '../../src/asr/index.js';
import { startApp } from '../../src/http/app.js';
import { CallSessionManager } from '../../src/session/index.js';

const TOKEN = 'capacity-test-admin-token-of-32-characters';
const speech = readWav(
  readFileSync(audioManifest().find((r) => r.file === 'paraformer-zh-2023-03-28/8k.wav')!.path),
);
const mulaw = encodeFromPcm16(speech.channels[0]!, 'mulaw');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const settledRss = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  return process.memoryUsage().rss;
};

describe('memory per call', () => {
  it('stays flat over 500 sequential calls with varied VAD settings', async () => {
    const config = loadConfig({
      env: {},
      overrides: { dataDir: mkdtempSync(join(tmpdir(), 'hotline-memory-')), logLevel: 'silent' },
    });
    const logger = createLogger('silent');
    const vad = await VadService.start({ ...config.vad, model: sharedPaths.vadModel, logger });
    const calls = new CallSessionManager({
      config,
      logger,
      asrEngineFor: () => null,
      vad,
      text: null,
      assistant: null,
      recorder: null,
    });
    const call = async (i: number) => {
      const session = await calls.open({
        type: 'start',
        case_id: `memory-${i}`,
        format: 'mulaw',
        sample_rate: 8000,
        channels: i % 2 === 0 ? 1 : 2,
        speaker: 'caller',
        lang: 'zh-TW',
        // Every call its own settings: the old per-setting detector pools grew with each.
        vad: {
          threshold: 0.3 + (i % 7) * 0.05,
          min_silence_ms: 300 + (i % 13) * 100,
          max_utterance_ms: 5000 + (i % 11) * 1000,
        },
      });
      const stereo = session.start.channels === 2;
      for (let at = 0; at < mulaw.length; at += 800) {
        const frame = mulaw.subarray(at, at + 800);
        session.acceptAudio(stereo ? interleaveBytes(frame) : frame);
      }
      await session.end('end');
      calls.ended(session.caseId);
      return session;
    };
    try {
      let speechEnds = 0;
      for (let i = 0; i < 100; i++) speechEnds += (await call(i)).log.lastSeq > 3 ? 1 : 0;
      const warm = await settledRss();
      for (let i = 100; i < 500; i++) speechEnds += (await call(i)).log.lastSeq > 3 ? 1 : 0;
      const after = await settledRss();
      // Calls really ran the VAD: nearly all of them found the speech.
      expect(speechEnds).toBeGreaterThan(450);
      expect(vad.stats).toMatchObject({ channels: 0, workers: 1, replaced: 0 });
      const growthMiB = (after - warm) / 2 ** 20;
      console.log(
        `memory: RSS ${(warm / 2 ** 20).toFixed(0)} MiB after 100 calls, +${growthMiB.toFixed(1)} MiB after 400 more`,
      );
      expect(growthMiB).toBeLessThan(24);
    } finally {
      await calls.shutdown();
      await vad.close();
    }
  }, 180_000);
});

/** A μ-law frame as a stereo frame (the same speech on both legs). */
function interleaveBytes(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(frame.length * 2);
  for (let i = 0; i < frame.length; i++) out[2 * i] = out[2 * i + 1] = frame[i]!;
  return out;
}

describe('call-start burst', () => {
  // The timing targets (stall < 100 ms, all started within 2 s) belong to `npm run bench:stream -- --only burst`:
  // on a shared machine a timed assertion measures the neighbours. Here: every call starts, none is refused.
  it('200 calls starting in the same second all start on the app as npm start wires it', async () => {
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: mkdtempSync(join(tmpdir(), 'hotline-burst-')),
        logLevel: 'silent',
        server: { port: 0, host: '127.0.0.1' },
        vad: { model: sharedPaths.vadModel },
        auth: { adminToken: TOKEN },
        stream: { resumeWindowMs: 1000 },
      },
    });
    // The app as `npm start` wires it: archive (journal, audio), text stage, assistant, VAD workers.
    const app = await startApp(config, { asrEngine: null });
    const clients = fork(new URL('./burst-clients.ts', import.meta.url), [], {
      execArgv: ['--import', 'tsx'],
    });
    try {
      await new Promise((resolve) => clients.once('message', resolve));
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const report = new Promise<{ startedMs: number[] }>((resolve) =>
        clients.once('message', (m) => resolve(m as { startedMs: number[] })),
      );
      clients.send({
        url: `${app.url.replace('http', 'ws')}/api/stream/asr?token=${TOKEN}`,
        count: 200,
        audio: [...mulaw.subarray(0, 8000)],
      });
      const { startedMs } = await report;
      loop.disable();
      const stallMs = loop.max / 1e6;
      const lastStartMs = Math.max(...startedMs);
      console.log(
        `burst: 200 calls started within ${lastStartMs.toFixed(0)} ms; longest loop stall ${stallMs.toFixed(1)} ms`,
      );
      expect(startedMs).toHaveLength(200);
      expect(startedMs.every(Number.isFinite)).toBe(true);
    } finally {
      clients.kill();
      await app.close();
    }
  }, 120_000);
});
