import { workerData } from 'node:worker_threads';
import { serveParent } from './inference-worker.js';
import { BatchedOnlineDecoder, type FromDecoder, type ToDecoder } from './online-decoder.js';
import { loadSherpa, type OnlineRecognizerConfig, type SherpaOnlineRecognizer } from './sherpa-addon.js';

/**
 * Worker thread entry (started by `startOnlineDecoder`): builds the streaming recognizer here, off
 * the server's event loop, and serves utterances on the parent port (with the supervisor's heartbeat
 * after each batched decode).
 */
const { config } = workerData as { config: OnlineRecognizerConfig };

let decoder: BatchedOnlineDecoder | null = null;
const link = serveParent<ToDecoder, FromDecoder>((message) => decoder?.handle(message));

let recognizer: SherpaOnlineRecognizer | undefined;
try {
  recognizer = new (loadSherpa().OnlineRecognizer)(config);
} catch (err) {
  link.send({ type: 'load_failed', message: (err as Error).message });
}
if (recognizer) {
  decoder = new BatchedOnlineDecoder(recognizer, (message) => link.send(message), setImmediate, link.beat);
  link.send({ type: 'ready' });
}
