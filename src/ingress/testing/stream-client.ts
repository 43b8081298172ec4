import WebSocket from 'ws';
import type { ServerEvent } from '../../protocol/index.js';

/** A small client of `WS /api/stream/asr` for tests, benchmarks and the e2e harness. */
export class StreamClient {
  readonly events: ServerEvent[] = [];
  private waiters: Array<{ match: (e: ServerEvent) => boolean; resolve: (e: ServerEvent) => void }> = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const event = JSON.parse(String(data)) as ServerEvent;
      this.events.push(event);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(event)) return true;
        w.resolve(event);
        return false;
      });
    });
  }

  static async connect(url: string, token?: string): Promise<StreamClient> {
    const socket = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    // Listen before 'open': a server may send in the same packet as the upgrade response.
    const client = new StreamClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  send(message: object): void {
    this.socket.send(JSON.stringify(message));
  }

  sendAudio(bytes: Uint8Array): void {
    this.socket.send(bytes, { binary: true });
  }

  /** Sends audio in frames of `frameMs`; `paceMs` > 0 waits between frames (real time = frameMs). */
  async streamAudio(bytes: Uint8Array, bytesPerMs: number, frameMs = 100, paceMs = 0): Promise<void> {
    const frame = Math.max(1, Math.round(bytesPerMs * frameMs));
    for (let i = 0; i < bytes.length; i += frame) {
      this.sendAudio(bytes.subarray(i, i + frame));
      if (paceMs > 0) await new Promise((r) => setTimeout(r, paceMs));
      else if ((i / frame) % 20 === 0) await new Promise((r) => setImmediate(r));
    }
  }

  next(match: (e: ServerEvent) => boolean, timeoutMs = 10_000): Promise<ServerEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`timed out waiting for an event; got ${this.events.map((e) => e.type).join(',')}`),
          ),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  nextOfType<T extends ServerEvent['type']>(
    type: T,
    timeoutMs?: number,
  ): Promise<Extract<ServerEvent, { type: T }>> {
    return this.next((e) => e.type === type, timeoutMs) as Promise<Extract<ServerEvent, { type: T }>>;
  }

  /** Waits for an event whose seq is newer than any seen before this call. */
  nextNew(match: (e: ServerEvent) => boolean, timeoutMs?: number): Promise<ServerEvent> {
    const seen = this.events.length;
    return this.next((e) => match(e) && this.events.indexOf(e) >= seen, timeoutMs);
  }

  ofType<T extends ServerEvent['type']>(type: T): Array<Extract<ServerEvent, { type: T }>> {
    return this.events.filter((e) => e.type === type) as Array<Extract<ServerEvent, { type: T }>>;
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }

  closed(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }
}
