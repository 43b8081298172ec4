import { parentPort, workerData } from 'node:worker_threads';

/**
 * TEST DOUBLE — a real inference worker (`workerData.inner`: `vad-worker` or `online-worker`) with
 * one injected fault, for the supervision tests: after `faultAfter` messages of type `faultOn` it
 * throws (`crash`) or spins forever (`hang`, as a native call that never returns would). The fault
 * happens once per `faultOnce` flag shared by every worker of one service, so its replacement is sound.
 */
const { inner, fault, faultOn, faultAfter, faultOnce } = workerData as {
  inner: string;
  fault: 'crash' | 'hang';
  faultOn: string;
  faultAfter: number;
  faultOnce: SharedArrayBuffer;
};
const once = new Int32Array(faultOnce);
let seen = 0;
await import(inner);
parentPort?.on('message', (message: { type: string }) => {
  if (message.type !== faultOn || ++seen !== faultAfter) return;
  if (Atomics.compareExchange(once, 0, 0, 1) !== 0) return;
  if (fault === 'crash') throw new Error(`injected ${faultOn} worker crash`);
  for (;;) {
    // Stuck.
  }
});
