/**
 * Follows one call's event stream (`WS /api/calls/:case_id/events`) and keeps following it: on a
 * dropped connection or a `seq` gap it reconnects with `last_seq`, so the server replays what was
 * missed. Agent feedback sent while disconnected waits in an outbox and goes out on reconnect.
 *
 * A server restart ends the call's run on the server (`closed` with `server_shutdown`, or just a
 * dropped socket when it crashed). The follower keeps trying: once the call's audio comes back (the
 * softphone or the telephony side starts the same case again), it follows the new run, which the
 * server sends from its start because the follower names the run it knew (`run`).
 */
import type { FeedbackMessage, ServerEvent } from '../../../src/protocol/index.js';
import { wsUrl } from './api.js';

export type LinkState = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'failed';

/**
 * Why the link is in its state: an error code of the server (`unknown_case`, `forbidden`, …) or
 * `server_restart` while a stopped server or a restarted call is awaited.
 */
export type LinkReason = string;

export interface FollowerOptions {
  caseId: string;
  token: string;
  /** The highest `seq` the view has applied; read at every (re)connect. */
  lastSeq: () => number;
  /** Server time of the first event of the run the view shows, when known. */
  runTs: () => number | null;
  onEvents: (events: ServerEvent[]) => void;
  onLink: (state: LinkState, reason?: LinkReason) => void;
}

const RETRY_MS = [300, 1_000, 2_000, 5_000];
/** Errors after which reconnecting cannot help. */
const FINAL_ERRORS = new Set(['unknown_case', 'resume_expired', 'unauthorized', 'forbidden']);
/** How long a call that disappeared with its server is waited for (the server's default resume window). */
const RESTART_WAIT_MS = 120_000;
/** An open socket the server did not refuse within this is a working link. */
const OPEN_SETTLE_MS = 250;

export class CallFollower {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private stopped = false;
  private ended = false;
  /** Connected to the call at least once: an `unknown_case` afterwards means the server lost it. */
  private followed = false;
  /** Since when the call has been gone from the server (restart), or null. */
  private goneSince: number | null = null;
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
    const run = this.options.runTs();
    const params = {
      token: this.options.token,
      last_seq: this.options.lastSeq(),
      ...(run !== null ? { run } : {}),
    };
    const socket = new WebSocket(
      wsUrl(`/api/calls/${encodeURIComponent(this.options.caseId)}/events`, params),
    );
    this.socket = socket;
    let refused: string | null = null;
    this.options.onLink(
      this.attempt === 0 ? 'connecting' : 'reconnecting',
      this.goneSince !== null ? 'server_restart' : undefined,
    );
    socket.onopen = () => {
      this.attempt = 0;
      for (const data of this.outbox.splice(0)) socket.send(data);
      // A server that lost the call answers at once with unknown_case; otherwise the link is up.
      setTimeout(() => {
        if (this.socket !== socket || refused || socket.readyState !== WebSocket.OPEN) return;
        this.goneSince = null;
        this.followed = true;
        this.options.onLink('open');
      }, OPEN_SETTLE_MS);
    };
    socket.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      let event: ServerEvent;
      try {
        event = JSON.parse(message.data) as ServerEvent;
      } catch {
        return;
      }
      if (event.type === 'error' && event.fatal && FINAL_ERRORS.has(event.code)) {
        refused = event.code;
        return;
      }
      this.followed = true;
      if (event.type === 'closed') {
        if (event.reason === 'server_shutdown' || event.reason === 'resume_elsewhere')
          this.goneSince = Date.now();
        else this.ended = true;
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
      if (close.code === 4401 || close.code === 4403) return this.fail('forbidden');
      if (refused && !(refused === 'unknown_case' && this.awaitingRestart())) return this.fail(refused);
      // A connection that drops after following the call may be a server going down: wait for it.
      if (this.followed && this.goneSince === null && close.code !== 4000) this.goneSince = Date.now();
      const delay =
        close.code === 4000 ? 0 : (RETRY_MS[Math.min(this.attempt, RETRY_MS.length - 1)] ?? 5_000);
      this.attempt++;
      this.options.onLink('reconnecting', this.goneSince !== null ? 'server_restart' : undefined);
      this.retryTimer = setTimeout(() => this.connect(), delay);
    };
  }

  /** The call was followed and went away with its server, not long ago: it may come back. */
  private awaitingRestart(): boolean {
    if (!this.followed) return false;
    this.goneSince ??= Date.now();
    return Date.now() - this.goneSince < RESTART_WAIT_MS;
  }

  private fail(reason: LinkReason): void {
    this.stopped = true;
    this.options.onLink('failed', reason);
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
