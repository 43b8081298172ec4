/**
 * Child process of the call-start burst test: on `go`, opens `count` stream connections at once,
 * each sending `start` as soon as it is open and one second of real speech after `started`, and
 * reports when each call was started. Runs apart from the server so that the server's event loop is
 * measured without the clients' work.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

interface Go {
  url: string;
  count: number;
  audio: number[];
}

process.on('message', (message: Go) => {
  void burst(message).then((report) => process.send?.(report));
});
process.send?.({ ready: true });

async function burst({ url, count, audio }: Go) {
  const bytes = Uint8Array.from(audio);
  const began = performance.now();
  const sockets: WebSocket[] = [];
  const startedMs = await Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<number>((resolve) => {
          const socket = new WebSocket(url, { perMessageDeflate: false });
          sockets.push(socket);
          socket.on('open', () =>
            socket.send(
              JSON.stringify({ type: 'start', case_id: `burst-${i}`, format: 'mulaw', sample_rate: 8000 }),
            ),
          );
          socket.on('message', (data, isBinary) => {
            if (isBinary) return;
            const event = JSON.parse(String(data)) as { type: string };
            if (event.type !== 'started') return;
            resolve(performance.now() - began);
            for (let at = 0; at < bytes.length; at += 800) socket.send(bytes.subarray(at, at + 800));
          });
          socket.on('error', () => resolve(Number.POSITIVE_INFINITY));
        }),
    ),
  );
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          socket.on('close', () => resolve());
          socket.send(JSON.stringify({ type: 'end' }));
        }),
    ),
  );
  return { startedMs };
}
