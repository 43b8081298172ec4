import { performance } from 'node:perf_hooks';
import { decodeToPcm16 } from '../src/audio/index.js';
import { createLogger } from '../src/config/index.js';
import { VadService } from '../src/asr/vad-service.js';
import { callFrames } from './lib/call-audio.js';
import { LatencyHistogram } from './lib/ipc.js';
const N = Number(process.argv[2] ?? 100);
const frames = callFrames().map((f) => decodeToPcm16(f, 'mulaw', 1));
const service = await VadService.start({ model: '/work/shared/models/vad/silero_vad.onnx', workers: 1, gate: true, telephone: 'upsample', stuckAfterMs: 2000, batchMs: 10, logger: createLogger('info') });
const h = new LatencyHistogram();
const perSec: number[] = [];
const t0 = performance.now();
const chans = Array.from({ length: N }, (_, i) => {
  const sent: number[] = []; let total = 0;
  const ch = service.open(8000, { threshold: 0.5, minSilenceMs: 800, minSpeechMs: 250, maxUtteranceMs: 20000 }, { onResult: (r) => { const now = performance.now(); for (const s of r.steps) { const k = Math.round(s.processed / 800) - 1; if (sent[k] !== undefined) { h.recordMs(now - sent[k]!); const sec = Math.floor((now - t0) / 1000); perSec[sec] = Math.max(perSec[sec] ?? 0, now - sent[k]!); delete sent[k]; } } }, onFailure: () => {} });
  return { ch, sent, i, k: 0 };
});

const cpu0 = process.cpuUsage();
let tick = 0;
const timer = setInterval(() => {
  const slot = tick++ % 20;
  for (const c of chans) if (c.i % 20 === slot) { c.sent[c.k] = performance.now(); c.ch.accept(frames[c.k % frames.length]!); c.k++; }
}, 5);
await new Promise((r) => setTimeout(r, 10000));
clearInterval(timer);
const cpu = process.cpuUsage(cpu0);
console.log(N, 'channels: frame→result', h.take(), 'cpu cores', ((cpu.user + cpu.system) / 1e3 / (performance.now() - t0)).toFixed(2));
console.log('max per second', perSec.map((x) => x.toFixed(0)).join(' '));
await service.close();
