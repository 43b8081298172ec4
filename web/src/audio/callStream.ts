/**
 * The softphone leg: one `WS /api/stream/asr` connection that carries a call's audio into the
 * server. It only produces audio; the desktop follows the call's events on its own socket.
 *
 * When the connection drops or the server stops (`closed` with `server_shutdown`), the leg keeps
 * trying to get back: it resumes the call where the server still has it, and starts the same case
 * again where a restarted server lost it. Audio while disconnected is not sent (a telephone line
 * does not wait either).
 */
import type { ServerEvent, StartMessage } from '../../../src/protocol/index.js';
import { wsUrl } from '../net/api.js';

export type StreamLink = 'open' | 'reconnecting' | 'closed' | 'failed';

export interface CallStreamOptions {
  token: string;
  sampleRate: 8000 | 16000;
  channels: 1 | 2;
  agentId?: string;
  /** The leg's state, with the server's error code when it failed. */
  onLink?: (state: StreamLink, reason?: string) => void;
}

const RETRY_MS = [500, 1_000, 2_000, 3_000];
/** How long a lost server is waited for before the leg gives up (the default resume window). */
const RESTART_WAIT_MS = 120_000;
/** A resumed leg the server did not refuse within this is carrying audio again. */
const RESUME_SETTLE_MS = 250;

export class CallStream {
  private socket: WebSocket;
  private lastSeq = 0;
  private ending = false;
  private over = false;
  private goneSince: number | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private markClosed: () => void = () => {};
  private readonly closed = new Promise<void>((done) => (this.markClosed = done));

  private constructor(
    socket: WebSocket,
    readonly caseId: string,
    private readonly options: CallStreamOptions,
  ) {
    this.socket = socket;
    this.watch(socket);
  }

  /** Opens the leg and resolves once the server has started the call (with its case id). */
  static open(options: CallStreamOptions): Promise<CallStream> {
    return new Promise((resolve, reject) => {
      const socket = CallStream.connect(options.token);
      let settled = false;
      socket.onopen = () => socket.send(JSON.stringify(startMessage(options)));
      socket.onmessage = (message) => {
        const event = parse(message.data);
        if (!event || settled) return;
        if (event.type === 'started') {
          settled = true;
          const stream = new CallStream(socket, event.case_id, options);
          stream.lastSeq = event.seq;
          resolve(stream);
        } else if (event.type === 'error') {
          // Before `started`, any error means the call was refused.
          settled = true;
          reject(new StreamRefused(event.code));
          socket.close(1000);
        }
      };
      socket.onclose = () => {
        if (!settled) reject(new StreamRefused('network'));
      };
    });
  }

  sendPcm(pcm: Int16Array<ArrayBuffer>): void {
    if (this.socket.readyState === WebSocket.OPEN && this.goneSince === null) this.socket.send(pcm);
  }

  /** Tells the server the call is over; resolves when it has flushed and closed the leg. */
  async end(): Promise<void> {
    this.ending = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.socket.readyState === WebSocket.OPEN && this.goneSince === null) {
      this.socket.send(JSON.stringify({ type: 'end' }));
      const timeout = new Promise<void>((done) => setTimeout(done, 10_000));
      await Promise.race([this.closed, timeout]);
    }
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.close(1000);
    this.finish('closed');
  }

  private static connect(token: string): WebSocket {
    const socket = new WebSocket(wsUrl('/api/stream/asr', { token }));
    socket.binaryType = 'arraybuffer';
    return socket;
  }

  private watch(socket: WebSocket): void {
    socket.onmessage = (message) => {
      const event = parse(message.data);
      if (!event) return;
      if (event.seq > 0) this.lastSeq = Math.max(this.lastSeq, event.seq);
      if (event.type === 'closed') {
        // A draining node of a cluster (`resume_elsewhere`) is left like a stopping server: resume.
        if (event.reason === 'server_shutdown' || event.reason === 'resume_elsewhere')
          this.goneSince ??= Date.now();
        else this.over = true;
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      if (this.over || this.ending) return this.finish('closed');
      this.goneSince ??= Date.now();
      this.retry();
    };
  }

  private retry(): void {
    if (this.goneSince !== null && Date.now() - this.goneSince > RESTART_WAIT_MS)
      return this.finish('failed');
    this.options.onLink?.('reconnecting');
    const delay = RETRY_MS[Math.min(this.attempt++, RETRY_MS.length - 1)] ?? 3_000;
    this.retryTimer = setTimeout(() => this.reconnect(), delay);
  }

  /** Resume where the server still has the call; start the same case again where it does not. */
  private reconnect(): void {
    if (this.ending) return;
    const socket = CallStream.connect(this.options.token);
    this.socket = socket;
    let settle: ReturnType<typeof setTimeout> | null = null;
    const back = () => {
      if (this.socket !== socket) return;
      this.goneSince = null;
      this.attempt = 0;
      this.watch(socket);
      this.options.onLink?.('open');
    };
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'resume', case_id: this.caseId, last_seq: this.lastSeq }));
      settle = setTimeout(back, RESUME_SETTLE_MS);
    };
    socket.onmessage = (message) => {
      const event = parse(message.data);
      if (!event) return;
      if (event.type === 'error' && event.code === 'unknown_case') {
        // The server restarted and lost the call: the same case starts a new run there.
        if (settle) clearTimeout(settle);
        this.lastSeq = 0;
        socket.send(JSON.stringify({ ...startMessage(this.options), case_id: this.caseId }));
      } else if (event.type === 'started') {
        this.lastSeq = event.seq;
        back();
      } else if (event.type === 'error' && event.seq === 0 && event.code !== 'unknown_case') {
        if (settle) clearTimeout(settle);
        this.options.onLink?.('failed', event.code);
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket || this.goneSince === null) return;
      this.retry();
    };
  }

  private finish(state: 'closed' | 'failed'): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.markClosed();
    this.options.onLink?.(state);
  }
}

/** The server refused or could not open the leg; `code` is its error code (or `network`). */
export class StreamRefused extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

function startMessage(options: CallStreamOptions): Partial<StartMessage> & { type: 'start' } {
  return {
    type: 'start',
    lang: 'zh-TW',
    format: 'pcm_s16le',
    sample_rate: options.sampleRate,
    channels: options.channels,
    ...(options.agentId ? { agent_id: options.agentId } : {}),
  };
}

function parse(data: unknown): ServerEvent | null {
  if (typeof data !== 'string') return null;
  try {
    return JSON.parse(data) as ServerEvent;
  } catch {
    return null;
  }
}
