/**
 * Follows one call's event stream (`WS /api/calls/:case_id/events`) and keeps following it: on a
 * dropped connection or a `seq` gap it reconnects with `last_seq`, so the server replays what was
 * missed. Agent feedback sent while disconnected waits in an outbox and goes out on reconnect.
 */
import type { FeedbackMessage, ServerEvent } from '../../../src/protocol/index.js';
import { wsUrl } from './api.js';

export type LinkState = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'failed';

export interface FollowerOptions {
  caseId: string;
  token: string;
  /** The highest `seq` the view has applied; read at every (re)connect. */
  lastSeq: () => number;
  onEvents: (events: ServerEvent[]) => void;
  onLink: (state: LinkState, detail?: string) => void;
}

const RETRY_MS = [300, 1_000, 2_000, 5_000];
/** Errors after which reconnecting cannot help. */
const FINAL_ERRORS = new Set(['unknown_case', 'resume_expired', 'unauthorized', 'forbidden']);

export class CallFollower {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private stopped = false;
  private ended = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private batch: ServerEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly outbox: string[] = [];

  constructor(private readonly options: FollowerOptions) {
    this.connect();
  }

  /** Sends (or queues until reconnected) one feedback message. */
  send(message: FeedbackMessage): void {
    const data = JSON.stringify(message);
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(data);
    else this.outbox.push(data);
  }

  /** Reconnects now, resuming after `lastSeq` (used when the view saw a gap). */
  resume(): void {
    if (this.stopped || this.ended) return;
    this.socket?.close(4000, 'resume');
  }

  close(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.flush();
    this.socket?.close(1000, 'done');
    this.options.onLink('closed');
  }

  private connect(): void {
    const params = { token: this.options.token, last_seq: this.options.lastSeq() };
    const socket = new WebSocket(
      wsUrl(`/api/calls/${encodeURIComponent(this.options.caseId)}/events`, params),
    );
    this.socket = socket;
    this.options.onLink(this.attempt === 0 ? 'connecting' : 'reconnecting');
    socket.onopen = () => {
      this.attempt = 0;
      this.options.onLink('open');
      for (const data of this.outbox.splice(0)) socket.send(data);
    };
    socket.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      let event: ServerEvent;
      try {
        event = JSON.parse(message.data) as ServerEvent;
      } catch {
        return;
      }
      if (event.type === 'closed') this.ended = true;
      if (event.type === 'error' && event.fatal && FINAL_ERRORS.has(event.code)) {
        this.stopped = true;
        this.options.onLink('failed', event.message);
      }
      this.batch.push(event);
      // Many events can arrive in one burst (a replay): render them together.
      this.flushTimer ??= setTimeout(() => this.flush(), 16);
    };
    socket.onclose = (close) => {
      this.flush();
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      if (this.ended) return this.options.onLink('closed');
      if (close.code === 4401 || close.code === 4403) {
        this.stopped = true;
        return this.options.onLink('failed', close.reason || '沒有權限');
      }
      const delay =
        close.code === 4000 ? 0 : (RETRY_MS[Math.min(this.attempt, RETRY_MS.length - 1)] ?? 5_000);
      this.attempt++;
      this.options.onLink('reconnecting');
      this.retryTimer = setTimeout(() => this.connect(), delay);
    };
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.batch.length === 0) return;
    const events = this.batch;
    this.batch = [];
    this.options.onEvents(events);
  }
}
