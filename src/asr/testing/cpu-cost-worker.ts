import { performance } from 'node:perf_hooks';
import { workerData } from 'node:worker_threads';
import { serveParent } from '../inference-worker.js';

/**
 * BENCHMARK STAND-IN worker (see cpu-cost-stand-in.ts): spends `costMsPerAudioSecond` of CPU per
 * second of audio it is sent, in order, and answers `finish` once everything before it is done.
 * Audio that arrives while it works is queued; it never drops any.
 */
export type ToCostWorker =
  { type: 'audio'; id: number; samples: Float32Array; sampleRate: number } | { type: 'finish'; id: number };
export type FromCostWorker = { type: 'done'; id: number };

const { costMsPerAudioSecond, busy, slot } = workerData as {
  costMsPerAudioSecond: number;
  busy: SharedArrayBuffer;
  slot: number;
};
const busyMicros = new BigInt64Array(busy);
const queue: ToCostWorker[] = [];
let scheduled = false;

const link = serveParent<ToCostWorker, FromCostWorker>((message) => {
  queue.push(message);
  if (!scheduled) {
    scheduled = true;
    setImmediate(work);
  }
});

/** Real arithmetic over the samples, repeated until the cost is spent (not a sleep: it is CPU). */
function spend(samples: Float32Array, ms: number): void {
  const until = performance.now() + ms;
  let sink = 0;
  while (performance.now() < until) {
    for (let i = 0; i < samples.length; i += 4) sink += (samples[i] as number) * (samples[i] as number);
  }
  if (sink < 0) throw new Error('unreachable');
}

function work(): void {
  // A slice of the queue per turn, so new messages are taken in (and counted) between slices.
  for (let n = 0; n < 8; n++) {
    const message = queue.shift();
    if (!message) break;
    if (message.type === 'audio') {
      const began = performance.now();
      spend(message.samples, (message.samples.length / message.sampleRate) * costMsPerAudioSecond);
      Atomics.add(busyMicros, slot, BigInt(Math.round((performance.now() - began) * 1000)));
      link.beat();
    } else {
      link.send({ type: 'done', id: message.id });
    }
  }
  scheduled = queue.length > 0;
  if (scheduled) setImmediate(work);
}

link.send({ type: 'ready' });
