import { performance } from 'node:perf_hooks';
import type { WebSocket, RawData } from 'ws';
import type { Logger } from '../config/index.js';
import { AudioFormatError } from '../audio/index.js';
import {
  audioFormats,
  clientMessage,
  type ErrorCode,
  type FeedbackMessage,
  type Principal,
  type StartMessage,
} from '../protocol/index.js';
import { CallError, type CallSession, type CallSessionManager } from '../session/index.js';

import { ClientQueue } from './client-queue.js';
import { toBytes } from './ws-leg.js';

export interface StreamSocketOptions {
  manager: CallSessionManager;
  maxFrameBytes: number;
  highWaterBytes: number;
  logger: Logger;
  /** Whoever opened the socket (recorded with feedback; owns the call). */
  principal: Principal | null;
  /** Time from an audio frame's arrival to its events being emitted (metrics). */
  onFrameProcessed?: (seconds: number) => void;
  onPartialsCoalesced?: () => void;
}

const knownTypes = new Set(['start', 'end', 'resume', 'feedback']);

/**
 * One `WS /api/stream/asr` connection: the protocol state machine of ARCHITECTURE.md. Bad input is
 * answered with an `error` of a stable code and the connection stays usable where it can.
 */
export class StreamSocket {
  private session: CallSession | null = null;
  private ended = false;
  private readonly out: ClientQueue;
  /** Messages of one connection are handled strictly in order (a start must finish before audio). */
  private inbox: Promise<void> = Promise.resolve();
  /** Messages queued in the inbox and not yet handled. */
  private queued = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly options: StreamSocketOptions,
  ) {
    this.out = new ClientQueue(socket, {
      highWaterBytes: options.highWaterBytes,
      onCoalesced: options.onPartialsCoalesced,
    });
    socket.on('message', (data, isBinary) => {
      // Audio with nothing queued before it is handled at once: at thousands of calls, a promise
      // hop per 100 ms frame is a measurable share of the server's CPU.
      if (isBinary && this.queued === 0) {
        try {
          this.onAudio(toBytes(data));
        } catch (err) {
          this.failed(err);
        }
        return;
      }
      this.queued++;
      this.inbox = this.inbox
        .then(() => this.onMessage(data, isBinary))
        .catch((err: unknown) => this.failed(err))
        .then(() => {
          this.queued--;
        });
    });
    socket.on('close', () => this.onClose());
  }

  private failed(err: unknown): void {
    this.options.logger.error({ err }, 'stream message failed');
    this.error('internal', 'internal error handling that message');
  }

  private async onMessage(data: RawData, isBinary: boolean): Promise<void> {
    const bytes = toBytes(data);
    if (isBinary) return this.onAudio(bytes);
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      return this.error('invalid_json', 'text frames must be JSON messages; audio goes in binary frames');
    }
    const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
    if (typeof type !== 'string' || !knownTypes.has(type)) {
      return this.error(
        'unknown_type',
        `unknown message type ${JSON.stringify(type ?? null)}; expected start, end, resume or feedback`,
      );
    }
    if (type === 'start') {
      const raw = json as { format?: unknown; sample_rate?: unknown };
      if (raw.format !== undefined && !audioFormats.includes(raw.format as (typeof audioFormats)[number])) {
        return this.error('unsupported_format', `format must be one of ${audioFormats.join(', ')}`);
      }
      if (raw.sample_rate !== undefined && raw.sample_rate !== 8000 && raw.sample_rate !== 16000) {
        return this.error('unsupported_sample_rate', 'sample_rate must be 8000 or 16000');
      }
    }
    const parsed = clientMessage.safeParse(json);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || type}: ${i.message}`).join('; ');
      return this.error('invalid_message', detail);
    }
    const message = parsed.data;
    switch (message.type) {
      case 'start':
        return this.onStart(message);
      case 'resume':
        return this.onResume(message.case_id, message.last_seq);
      case 'end':
        return this.onEnd();
      case 'feedback':
        return this.onFeedback(message);
    }
  }

  private async onStart(start: StartMessage): Promise<void> {
    if (this.ended)
      return this.error('already_ended', 'this call has ended; open a new connection for a new call');
    if (this.session)
      return this.error(
        'already_started',
        `call ${this.session.caseId} is already started on this connection`,
      );
    try {
      const principal = this.options.principal;
      // An agent streams only as themself: a claimed agent_id cannot hand the call to someone else.
      const owned = principal?.role === 'agent' ? { ...start, agent_id: principal.id } : start;
      const session = await this.options.manager.open(owned, principal);
      this.attach(session, 0);
    } catch (err) {
      if (err instanceof CallError) return this.error(err.code, err.message);
      throw err;
    }
  }

  private onResume(caseId: string, lastSeq: number): void {
    if (this.session)
      return this.error('already_started', `call ${this.session.caseId} is already on this connection`);
    let session: CallSession;
    try {
      session = this.options.manager.resume(caseId);
    } catch (err) {
      if (err instanceof CallError) return this.error(err.code, err.message);
      throw err;
    }
    if (!session.log.subscribe(this.out, lastSeq)) {
      return this.error('resume_expired', `events after seq ${lastSeq} are no longer kept; start a new call`);
    }
    this.session = session;
    if (session.state === 'ended') this.ended = true;
  }

  private attach(session: CallSession, afterSeq: number): void {
    this.session = session;
    session.log.subscribe(this.out, afterSeq);
  }

  private onEnd(): void {
    const session = this.session;
    if (!session) return this.error('not_started', 'send {"type":"start"} before "end"');
    if (this.ended) return this.error('already_ended', `call ${session.caseId} has already ended`);
    this.ended = true;
    // Not awaited by the inbox: later messages are still answered while the last finals flush.
    void (async () => {
      await session.end('end');
      this.options.manager.ended(session.caseId);
      await this.out.drained();
      this.socket.close(1000, 'call ended');
    })().catch((err: unknown) =>
      this.options.logger.error({ err, case_id: session.caseId }, 'ending the call failed'),
    );
  }

  private onFeedback(message: FeedbackMessage): void {
    const session = this.session;
    if (!session || session.caseId !== message.case_id) {
      return this.error('not_started', 'feedback must name the call started on this connection');
    }
    session.feedback(message, this.options.principal?.id ?? null);
  }

  private onAudio(bytes: Uint8Array): void {
    const session = this.session;
    if (!session) return this.error('not_started', 'audio before {"type":"start"}: frame ignored');
    if (this.ended || session.state !== 'live')
      return this.error('already_ended', 'audio after "end": frame ignored');
    if (bytes.byteLength > this.options.maxFrameBytes) {
      return this.error(
        'frame_too_large',
        `audio frame of ${bytes.byteLength} bytes exceeds ${this.options.maxFrameBytes}; send at most 1 s per frame`,
      );
    }
    const began = performance.now();
    try {
      session.acceptAudio(bytes);
      this.options.onFrameProcessed?.((performance.now() - began) / 1e3);
    } catch (err) {
      if (err instanceof AudioFormatError)
        return this.error(err.code as ErrorCode, `${err.message}: frame ignored`);
      throw err;
    }
  }

  private onClose(): void {
    this.out.close();
    const session = this.session;
    if (!session) return;
    session.log.unsubscribe(this.out);
    if (!this.ended && session.state === 'live') this.options.manager.detach(session.caseId);
  }

  /** Errors are part of the call's sequenced stream once a call is attached; before that seq is 0. */
  private error(code: ErrorCode, message: string): void {
    if (this.session && this.session.state !== 'ended') {
      this.session.emit({ type: 'error', code, message, fatal: false });
    } else {
      this.out.sendRaw({
        type: 'error',
        code,
        message,
        fatal: false,
        seq: 0,
        case_id: this.session?.caseId ?? null,
        ts: Date.now(),
      });
    }
  }
}
