import { parentPort, workerData } from 'node:worker_threads';
import { BatchedOnlineDecoder, type FromDecoder, type ToDecoder } from './online-decoder.js';
import { loadSherpa, type OnlineRecognizerConfig, type SherpaOnlineRecognizer } from './sherpa-addon.js';

/**
 * Worker thread entry (started by `startOnlineDecoder`): builds the streaming recognizer here, off
 * the server's event loop, and serves utterances on the parent port.
 */
const port = parentPort;
if (!port) throw new Error('online-worker.ts runs as a worker thread');
const send = (message: FromDecoder) => port.postMessage(message);
const { config } = workerData as { config: OnlineRecognizerConfig };

let recognizer: SherpaOnlineRecognizer | undefined;
try {
  recognizer = new (loadSherpa().OnlineRecognizer)(config);
} catch (err) {
  send({ type: 'load_failed', message: (err as Error).message });
}
if (recognizer) {
  const decoder = new BatchedOnlineDecoder(recognizer, send);
  port.on('message', (message: ToDecoder) => decoder.handle(message));
  send({ type: 'ready' });
}
