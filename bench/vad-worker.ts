/**
 * `npm run bench:vad-worker`: the VAD worker's CPU per call, without sockets or threads. Replays what
 * one worker gets from `--calls` simulated calls of the stream benchmark (its looped call audio,
 * μ-law decoded, a 100 ms frame per call every 100 ms, calls spread over 20 slots of the frame
 * period, 4 start points): every `--tick-ms` the frames that arrived meanwhile go through
 * `SileroModel.drain`, as `VadService` posts them. Runs the rebuilt graph (`silero-graph.ts`) and the
 * published one alternately, `--rounds` times each, and prints per round the process CPU per
 * window the model scored, the cores that load costs at real time, the mean batch, and a hash of
 * every speech event (the two must agree).
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { decodeToPcm16 } from '../src/audio/index.js';
import { SileroDetector } from '../src/asr/silero-detector.js';
import { SileroModel } from '../src/asr/silero-model.js';
import { sharedPaths } from '../test/shared.js';
import { callFrames, FRAME_MS } from './lib/call-audio.js';

const { values: flags } = parseArgs({
  options: {
    calls: { type: 'string', default: '600' },
    'tick-ms': { type: 'string', default: '10' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
  },
});
const calls = Number(flags.calls);
const tickMs = Number(flags['tick-ms']);
const seconds = Number(flags.seconds);
const SLOTS = 20;
const PHASES = 4;
const settings = { threshold: 0.5, minSilenceMs: 800, minSpeechMs: 250, maxUtteranceMs: 20_000 };
const frames = callFrames().map((f) => decodeToPcm16(f, 'mulaw', 1));

async function replay(model: SileroModel) {
  const detectors = Array.from({ length: calls }, () => new SileroDetector(settings, 8000, true));
  const start = (call: number) => Math.floor(((call % PHASES) * frames.length) / PHASES);
  const events = createHash('sha256');
  let runs = 0;
  const before = process.cpuUsage();
  for (let t = 0; t < seconds * 1000; t += tickMs) {
    const touched: SileroDetector[] = [];
    detectors.forEach((detector, call) => {
      const offset = (call % SLOTS) * (FRAME_MS / SLOTS);
      // Frames of this call due in [t, t + tickMs): at offset + k·FRAME_MS.
      for (let k = Math.ceil((t - offset) / FRAME_MS); offset + k * FRAME_MS < t + tickMs; k++) {
        if (k < 0) continue;
        detector.accept(frames[(start(call) + k) % frames.length] as Int16Array);
        touched.push(detector);
      }
    });
    runs += await model.drain(touched);
    for (const detector of touched)
      for (const step of detector.takeSteps()) for (const e of step.events) events.update(JSON.stringify(e));
  }
  const cpu = process.cpuUsage(before);
  const scored = detectors.reduce((n, d) => n + d.windowCounts.model, 0);
  const gated = detectors.reduce((n, d) => n + d.windowCounts.gated, 0);
  const us = cpu.user + cpu.system;
  return {
    'µs/window': +(us / scored).toFixed(1),
    'cores at real time': +(us / 1e6 / seconds).toFixed(3),
    'mean batch': +(scored / runs).toFixed(1),
    gated: `${((100 * gated) / (gated + scored)).toFixed(1)} %`,
    events: events.digest('hex').slice(0, 12),
  };
}

const models = {
  rebuilt: await SileroModel.load(sharedPaths.vadModel),
  published: await SileroModel.load(sharedPaths.vadModel, false),
};
const rows: Array<Record<string, string | number>> = [];
for (let round = 0; round < Number(flags.rounds); round++)
  for (const [graph, model] of Object.entries(models)) rows.push({ graph, ...(await replay(model)) });
console.log(`${calls} calls, ${seconds} s of audio, ${tickMs} ms ticks`);
console.table(rows);
for (const model of Object.values(models)) await model.close();
