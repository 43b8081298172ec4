import { parentPort, workerData } from 'node:worker_threads';
import type { ToVadWorker } from '../vad-protocol.js';

/**
 * TEST DOUBLE — the real VAD worker (`vad-worker.ts`) with one injected fault, for the supervision
 * tests: after `faultAfter` audio messages it throws (`crash`) or spins forever (`hang`). The fault
 * happens once per `faultOnce` flag shared by every worker of a service, so the replacement is sound.
 */
const { fault, faultAfter, faultOnce } = workerData as {
  fault: 'crash' | 'hang';
  faultAfter: number;
  faultOnce: SharedArrayBuffer;
};
const once = new Int32Array(faultOnce);
let audioMessages = 0;
await import('../vad-worker.js');
parentPort?.on('message', (message: ToVadWorker) => {
  if (message.type !== 'audio' || ++audioMessages !== faultAfter) return;
  if (Atomics.compareExchange(once, 0, 0, 1) !== 0) return;
  if (fault === 'crash') throw new Error('injected VAD worker crash');
  for (;;) {
    // Stuck, as a native call that never returns would be.
  }
});
