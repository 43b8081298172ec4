import type { WebSocket } from 'ws';
import type { ServerEvent } from '../protocol/index.js';
import type { EventSubscriber } from '../session/index.js';

export interface ClientQueueOptions {
  /** Bytes the socket may hold unsent before we start holding events back. */
  highWaterBytes: number;
  /** Events held back before the client is declared dead (it can reconnect and resume). */
  maxQueuedEvents?: number;
  /** Told each time a waiting partial is replaced by a newer one (metrics). */
  onCoalesced?: () => void;
}

/**
 * Per-client outbound buffer. While the socket is congested, events wait here; a newer partial
 * of the same utterance replaces the waiting one (newest wins); finals, speech events and
 * suggestions are never dropped. A client that stays stuck is disconnected, never waited for.
 */
export class ClientQueue implements EventSubscriber {
  private readonly queue: ServerEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Partials replaced before they were sent (a metric of coalescing under load). */
  coalesced = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly options: ClientQueueOptions,
  ) {}

  deliver(event: ServerEvent): void {
    if (this.closed) return;
    if (event.type === 'partial') {
      const i = this.queue.findIndex((q) => q.type === 'partial' && q.utterance_id === event.utterance_id);
      if (i >= 0) {
        this.queue.splice(i, 1);
        this.coalesced++;
        this.options.onCoalesced?.();
      }
    }
    this.queue.push(event);
    if (this.queue.length > (this.options.maxQueuedEvents ?? 10_000)) {
      this.close();
      this.socket.close(1013, 'client too slow; reconnect and resume');
      return;
    }
    this.pump();
  }

  /** Sends a message outside the call's stream (errors before `start`). */
  sendRaw(message: object): void {
    if (!this.closed && this.socket.readyState === this.socket.OPEN)
      this.socket.send(JSON.stringify(message));
  }

  /** Resolves once everything queued has been handed to the socket. */
  async drained(): Promise<void> {
    while (!this.closed && this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
    if (this.timer) clearTimeout(this.timer);
  }

  private pump(): void {
    if (this.closed || this.timer) return;
    if (this.socket.readyState !== this.socket.OPEN) return;
    while (this.queue.length > 0 && this.socket.bufferedAmount < this.options.highWaterBytes) {
      this.socket.send(JSON.stringify(this.queue.shift()));
    }
    if (this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, 10);
  }
}
