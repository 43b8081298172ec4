/**
 * The softphone leg: one `WS /api/stream/asr` connection that carries a call's audio into the
 * server. It only produces audio; the desktop follows the call's events on its own socket.
 */
import type { ServerEvent, StartMessage } from '../../../src/protocol/index.js';
import { wsUrl } from '../net/api.js';

export interface CallStreamOptions {
  token: string;
  sampleRate: 8000 | 16000;
  channels: 1 | 2;
  agentId?: string;
  /** Called once if the server ends the leg or refuses it. */
  onFailure?: (message: string) => void;
}

export class CallStream {
  private closed: Promise<void>;

  private constructor(
    private readonly socket: WebSocket,
    readonly caseId: string,
    closed: Promise<void>,
  ) {
    this.closed = closed;
  }

  /** Opens the leg and resolves once the server has started the call (with its case id). */
  static open(options: CallStreamOptions): Promise<CallStream> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(wsUrl('/api/stream/asr', { token: options.token }));
      socket.binaryType = 'arraybuffer';
      let stream: CallStream | null = null;
      let markClosed = () => {};
      const closed = new Promise<void>((done) => (markClosed = done));
      socket.onopen = () => {
        const start: Partial<StartMessage> & { type: 'start' } = {
          type: 'start',
          lang: 'zh-TW',
          format: 'pcm_s16le',
          sample_rate: options.sampleRate,
          channels: options.channels,
          ...(options.agentId ? { agent_id: options.agentId } : {}),
        };
        socket.send(JSON.stringify(start));
      };
      socket.onmessage = (message) => {
        if (typeof message.data !== 'string') return;
        const event = JSON.parse(message.data) as ServerEvent;
        if (event.type === 'started' && !stream) {
          stream = new CallStream(socket, event.case_id, closed);
          resolve(stream);
        } else if (event.type === 'error' && !stream) {
          // Before `started`, any error means the call was refused.
          reject(new Error(`${event.code}: ${event.message}`));
          socket.close(1000);
        } else if (event.type === 'error' && event.fatal) {
          options.onFailure?.(event.message);
        } else if (event.type === 'closed') {
          socket.close(1000);
        }
      };
      socket.onerror = () => {
        if (!stream) reject(new Error('無法開啟音訊連線'));
      };
      socket.onclose = () => {
        markClosed();
        if (!stream) reject(new Error('音訊連線已關閉'));
      };
    });
  }

  sendPcm(pcm: Int16Array<ArrayBuffer>): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(pcm);
  }

  /** Tells the server the call is over; resolves when it has flushed and closed the leg. */
  async end(): Promise<void> {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: 'end' }));
    const timeout = new Promise<void>((done) => setTimeout(done, 10_000));
    await Promise.race([this.closed, timeout]);
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.close(1000);
  }
}
