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
  type ServerEvent,
  type StartMessage,
} from '../protocol/index.js';
import {
  CallError,
  mayAnnotateCall,
  mayDriveCall,
  type CallAccessAudit,
  type CallAccessPolicy,
  type CallSession,
  type CallSessionManager,
  type EventSubscriber,
} from '../session/index.js';

import { ClientQueue } from './client-queue.js';
import { toBytes } from './ws-leg.js';

export interface StreamSocketOptions {
  manager: CallSessionManager;
  maxFrameBytes: number;
  highWaterBytes: number;
  logger: Logger;
  /** Whoever opened the socket (recorded with feedback; owns the call). */
  principal: Principal | null;
  /** The client's address, for the audit log. */
  source?: string | null;
  /** Who may work unassigned calls. */
  policy?: CallAccessPolicy;
  /** Resumes (access to a call's events) and refused attempts are audited here before anything is sent. */
  audit?: CallAccessAudit;
  /** Time from an audio frame's arrival to its events being emitted (metrics). */
  onFrameProcessed?: (seconds: number) => void;
  onPartialsCoalesced?: () => void;
}

const knownTypes = new Set(['start', 'end', 'resume', 'feedback']);

/**
 * One `WS /api/stream/asr` connection: the protocol state machine of ARCHITECTURE.md. Bad input is
 * answered with an `error` of a stable code and the connection stays usable where it can.
 */
export class StreamSocket implements EventSubscriber {
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

  /** The call's events go to the client; a call the server closes (shutdown) closes the connection too. */
  deliver(event: ServerEvent): void {
    this.out.deliver(event);
    if (event.type === 'closed' && event.reason === 'server_shutdown')
      void this.closeAfterDrain(1001, 'server shutdown');
    // 1012 (service restart): this node is draining; the client resumes on another one.
    else if (event.type === 'closed' && event.reason === 'resume_elsewhere')
      void this.closeAfterDrain(1012, 'resume elsewhere');
  }

  private async closeAfterDrain(code: number, reason: string): Promise<void> {
    await this.out.drained();
    this.socket.close(code, reason);
  }

  private audit(action: string, caseId: string, detail?: Record<string, unknown>): Promise<void> {
    return (
      this.options.audit?.({
        action,
        caseId,
        principal: this.options.principal,
        source: this.options.source ?? null,
        detail,
      }) ?? Promise.resolve()
    );
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
      if (!(err instanceof CallError)) throw err;
      if ((err.code === 'case_archived' || err.code === 'forbidden') && start.case_id)
        await this.audit('call.denied', start.case_id, { via: 'start', code: err.code });
      return this.error(err.code, err.message);
    }
  }

  private async onResume(caseId: string, lastSeq: number): Promise<void> {
    if (this.session)
      return this.error('already_started', `call ${this.session.caseId} is already on this connection`);
    let session: CallSession;
    try {
      session = await this.options.manager.resume(caseId, this.options.principal, lastSeq);
    } catch (err) {
      if (err instanceof CallError) return this.error(err.code, err.message);
      throw err;
    }
    // Only whoever drives the call continues it: another agent's resume would read its events and
    // put their audio into its recording.
    if (!mayDriveCall(session.ownership, this.options.principal)) {
      await this.audit('call.denied', caseId, { via: 'resume' });
      return this.error(
        'forbidden',
        `call ${caseId} belongs to someone else; it cannot be resumed from here`,
      );
    }
    if (lastSeq > session.log.lastSeq) {
      return this.error(
        'future_seq',
        `last_seq ${lastSeq} is ahead of call ${caseId}, which is at seq ${session.log.lastSeq}; resume with the last seq you received`,
      );
    }
    try {
      await this.audit('call.resume', caseId, { last_seq: lastSeq });
    } catch {
      return this.error(
        'storage_unavailable',
        'the access could not be recorded; try again once the server is ready',
      );
    }
    if (!session.log.subscribe(this, lastSeq)) {
      return this.error('resume_expired', `events after seq ${lastSeq} are no longer kept; start a new call`);
    }
    this.session = session;
    this.watch(session);
    if (session.state === 'ended') this.ended = true;
  }

  private attach(session: CallSession, afterSeq: number): void {
    this.session = session;
    session.log.subscribe(this, afterSeq);
    this.watch(session);
  }

  /** Storage failed under the call: the fatal error is the last event; then the connection goes. */
  private watch(session: CallSession): void {
    session.onFailure(() => {
      this.ended = true;
      void this.closeAfterDrain(1011, 'storage unavailable');
    });
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
    if (!mayAnnotateCall(session.ownership, this.options.principal, this.policy))
      return this.error(
        'forbidden',
        `role ${this.options.principal?.role ?? 'none'} may not annotate this call`,
      );
    session.feedback(message, this.options.principal?.id ?? null);
  }

  private get policy(): CallAccessPolicy {
    return this.options.policy ?? { agentsSeeUnassignedCalls: false };
  }

  private onAudio(bytes: Uint8Array): void {
    const session = this.session;
    if (!session) return this.error('not_started', 'audio before {"type":"start"}: frame ignored');
    if (session.storageFailed)
      return this.error('storage_unavailable', 'this call could not be stored: frame ignored');
    if (this.ended || session.state !== 'live')
      return this.error(
        'already_ended',
        `audio after "end": frame ignored; call ${session.caseId} is ${session.state === 'live' ? 'ending' : session.state}`,
      );
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
      // Storage failed under this frame: the call already told every client (fatal error).
      if (err instanceof CallError) return;
      throw err;
    }
  }

  private onClose(): void {
    this.out.close();
    const session = this.session;
    if (!session) return;
    session.log.unsubscribe(this);
    if (!this.ended && session.state === 'live') this.options.manager.detach(session.caseId);
  }

  /**
   * Errors are part of the call's sequenced stream once a call is attached; before that (and
   * after the call ended, so a late frame still gets its answer) they carry seq 0.
   */
  private error(code: ErrorCode, message: string): void {
    if (this.session && this.session.state !== 'ended' && !this.session.storageFailed) {
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
