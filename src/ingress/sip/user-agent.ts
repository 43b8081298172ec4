import { IngressError } from '../ingress-error.js';
import { lastMediaAt, openCallMedia, renegotiateMedia, type CallMediaDeps } from './call-media.js';
import {
  ALLOW,
  answerHeaders,
  answerSdp,
  byeRequest,
  dialogFromInvite,
  dialogKey,
  type Dialog,
} from './dialog.js';
import { ACCEPT, inviteBody, refusalFor, type InviteBody } from './invite.js';
import { parseNameAddr, parseSipMessage, requestProblem, SipParseError, type SipRequest } from './message.js';
import { parseOffer, type OfferedStream } from './sdp.js';
import {
  branchOf,
  ClientTransactions,
  ServerTransactions,
  T1,
  T2,
  TIMER_B,
  type ResponseExtras,
  type ServerTransaction,
} from './transactions.js';
import { SipTransport, type Peer } from './transport.js';

/** Methods that exist but that a recording server does not take (405, not 501). */
const KNOWN_METHODS = new Set([
  'REGISTER',
  'SUBSCRIBE',
  'NOTIFY',
  'MESSAGE',
  'REFER',
  'PRACK',
  'UPDATE',
  'PUBLISH',
]);
const SUPPORTED_OPTIONS = new Set(['siprec', 'timer', 'replaces']);

export interface SipUserAgentOptions extends CallMediaDeps {
  /** Bind address. */
  host: string;
  /** Address written in SDP, Contact and Via. */
  address: string;
  now?: () => number;
}

/**
 * The SIP side of the product: a user agent server on UDP and TCP that answers INVITEs (plain
 * calls, and SIPREC recording sessions from an SBC) with a recvonly SDP answer, receives their RTP
 * into a call leg, and handles ACK, CANCEL, BYE, re-INVITE (hold/resume, new metadata), OPTIONS.
 * It sends BYE itself when RTP stops without a hold, the ACK never comes, or the server stops.
 * The transport (`transport.ts`) and the transaction layer (`transactions.ts`) sit below it.
 */
export class SipUserAgent {
  private readonly dialogs = new Map<string, Dialog>();
  private readonly transactions: ServerTransactions<Dialog>;
  private readonly clients: ClientTransactions;
  private readonly watchdog: NodeJS.Timeout;
  private readonly now: () => number;
  private closing = false;

  private constructor(
    private readonly transport: SipTransport,
    private readonly options: SipUserAgentOptions,
  ) {
    this.now = options.now ?? Date.now;
    transport.onMessage = (bytes, peer) => this.receive(bytes, peer);
    const send = (peer: Peer, bytes: Buffer) => transport.send(peer, bytes);
    this.transactions = new ServerTransactions(send);
    this.clients = new ClientTransactions(send);
    this.watchdog = setInterval(() => this.checkMedia(), 1000);
    this.watchdog.unref();
  }

  /** Binds UDP and TCP on the same port (0 = one free port for both). */
  static async start(port: number, options: SipUserAgentOptions): Promise<SipUserAgent> {
    return new SipUserAgent(await SipTransport.bind(port, options.host, options.logger), options);
  }

  get port(): number {
    return this.transport.port;
  }

  get liveDialogs(): number {
    return [...this.dialogs.values()].filter((d) => d.state !== 'terminated').length;
  }

  /** Says BYE to every call, ends their legs, closes the sockets. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.watchdog);
    await Promise.all(
      [...this.dialogs.values()].map((d) =>
        d.state === 'confirmed' ? this.hangUp(d, 'server shutting down') : this.terminate(d),
      ),
    );
    this.transactions.close();
    await this.transport.close();
  }

  private receive(bytes: Buffer, peer: Peer): void {
    if (bytes.toString('latin1').trim() === '') return; // keep-alive
    let message;
    try {
      message = parseSipMessage(bytes);
    } catch (err) {
      if (!(err instanceof SipParseError)) throw err;
      this.options.logger.warn(
        { peer: peer.address, reason: err.message },
        'sip: unreadable message dropped',
      );
      return;
    }
    if (message.kind === 'response') return this.clients.onResponse(message);
    const problem = requestProblem(message);
    if (problem) {
      this.options.logger.warn({ peer: peer.address, reason: problem }, 'sip: malformed request');
      if (message.headers.get('via') && message.method !== 'ACK')
        this.respond(message, peer, 400, 'Bad Request', { warning: ['malformed_frame', problem] });
      return;
    }
    if (!this.options.allow.allows(peer.address)) {
      if (message.method !== 'ACK')
        this.respond(message, peer, 403, 'Forbidden', {
          warning: ['forbidden_peer', `${peer.address} is not in HOTLINE_INGRESS_ALLOW_FROM`],
        });
      return;
    }
    try {
      this.onRequest(message, peer);
    } catch (err) {
      this.options.logger.error({ err, method: message.method }, 'sip: request failed');
      if (message.method !== 'ACK') this.respond(message, peer, 500, 'Server Internal Error');
    }
  }

  private respond(request: SipRequest, peer: Peer, status: number, reason: string, extra?: ResponseExtras) {
    this.transactions.respond(request, peer, status, reason, extra);
  }

  // ---- requests ------------------------------------------------------------------------------

  private onRequest(request: SipRequest, peer: Peer): void {
    if (request.method === 'ACK') return this.onAck(request);
    const tx = this.transactions.begin(request, peer);
    if (!tx) return; // a retransmission, answered again
    const toTag = parseNameAddr(request.headers.get('to') ?? '').params.get('tag');
    switch (request.method) {
      case 'INVITE':
        return toTag ? this.onReInvite(request, peer) : void this.onInvite(request, peer, tx);
      case 'CANCEL':
        return this.onCancel(request, peer);
      case 'BYE':
        return this.onBye(request, peer);
      case 'OPTIONS':
        return this.respond(request, peer, 200, 'OK', {
          headers: [
            ['Allow', ALLOW],
            ['Accept', ACCEPT],
            ['Supported', 'siprec'],
          ],
        });
      case 'INFO':
        return this.inDialog(request) ? this.respond(request, peer, 200, 'OK') : this.noDialog(request, peer);
      default:
        if (KNOWN_METHODS.has(request.method))
          return this.respond(request, peer, 405, 'Method Not Allowed', { headers: [['Allow', ALLOW]] });
        return this.respond(request, peer, 501, 'Not Implemented', { headers: [['Allow', ALLOW]] });
    }
  }

  private async onInvite(request: SipRequest, peer: Peer, tx: ServerTransaction<Dialog>): Promise<void> {
    const unsupported = request.headers
      .all('require')
      .filter((tag) => !SUPPORTED_OPTIONS.has(tag.toLowerCase()));
    if (unsupported.length > 0) {
      return this.respond(request, peer, 420, 'Bad Extension', {
        headers: [['Unsupported', unsupported.join(', ')]],
      });
    }
    let body: InviteBody;
    let offer: OfferedStream[];
    try {
      body = inviteBody(request);
      offer = parseOffer(body.sdp, this.options.config.ingress.codecs);
      this.options.legs.checkCapacity();
    } catch (err) {
      return this.refuse(request, peer, err);
    }
    const audio = offer.filter((s) => s.chosen !== null);
    const wanted = audio.slice(0, body.siprec ? 2 : 1);
    if (wanted.length === 0) {
      return this.refuse(
        request,
        peer,
        new IngressError(
          'unsupported_codec',
          `no audio stream offers ${this.options.config.ingress.codecs.filter((c) => c !== 'L16').join(' or ')} at 8 kHz`,
        ),
      );
    }
    const dialog = dialogFromInvite(request, peer, offer);
    tx.context = dialog;
    this.dialogs.set(dialogKey(dialog.callId, dialog.localTag), dialog);
    this.respond(request, peer, 100, 'Trying', { localTag: dialog.localTag });
    const delay = this.options.config.ingress.answerDelayMs;
    if (delay > 0) {
      this.respond(request, peer, 180, 'Ringing', { localTag: dialog.localTag });
      await new Promise<void>((resolve) => {
        dialog.ringTimer = setTimeout(resolve, delay);
      });
      dialog.ringTimer = null;
      if (dialog.state !== 'proceeding') return; // cancelled while ringing
    }
    try {
      await this.answer(dialog, request, peer, tx, wanted, body);
    } catch (err) {
      void this.terminate(dialog);
      this.refuse(request, peer, err, dialog);
    }
  }

  private async answer(
    dialog: Dialog,
    request: SipRequest,
    peer: Peer,
    tx: ServerTransaction<Dialog>,
    wanted: OfferedStream[],
    body: InviteBody,
  ): Promise<void> {
    if (!(await openCallMedia(dialog, request, wanted, body, this.options, this.now))) return;
    dialog.answeredAt = this.now();
    this.respond(request, peer, 200, 'OK', {
      localTag: dialog.localTag,
      body: answerSdp(dialog, this.options.address),
      headers: answerHeaders(dialog, this.hostPort()),
    });
    tx.final = true;
    if (tx.last) this.awaitAck(dialog, peer, tx.last);
  }

  /**
   * RFC 3261 §13.3.1.4: the 2xx is resent (T1 doubling to T2; over UDP only) until the ACK; no ACK
   * in 64·T1 → BYE.
   */
  private awaitAck(dialog: Dialog, peer: Peer, response: Buffer): void {
    let interval = T1;
    const started = this.now();
    const tick = () => {
      if (dialog.state !== 'proceeding') return;
      if (this.now() - started >= TIMER_B) {
        this.options.logger.warn({ case_id: dialog.leg?.caseId }, 'sip: no ACK for the 200 OK; hanging up');
        dialog.state = 'confirmed';
        void this.hangUp(dialog, 'no ACK');
        return;
      }
      if (peer.transport === 'UDP') this.transport.send(peer, response);
      interval = Math.min(interval * 2, T2);
      dialog.okTimer = setTimeout(tick, interval);
    };
    dialog.okTimer = setTimeout(tick, interval);
  }

  private onAck(request: SipRequest): void {
    this.transactions.acknowledge(request);
    const dialog = this.inDialog(request);
    if (dialog && dialog.state === 'proceeding' && dialog.leg) {
      if (dialog.okTimer) clearTimeout(dialog.okTimer);
      dialog.state = 'confirmed';
    }
  }

  private onReInvite(request: SipRequest, peer: Peer): void {
    const dialog = this.inDialog(request);
    if (!dialog || dialog.state === 'terminated') return this.noDialog(request, peer);
    let offer: OfferedStream[];
    try {
      const body = inviteBody(request);
      offer = parseOffer(body.sdp, this.options.config.ingress.codecs);
      if (body.metadata)
        this.options.logger.info({ case_id: dialog.leg?.caseId }, 'siprec: metadata updated');
    } catch (err) {
      return this.refuse(request, peer, err);
    }
    if (offer.length !== dialog.streams.length) {
      return this.respond(request, peer, 488, 'Not Acceptable Here', {
        warning: ['unsupported_codec', 're-INVITE must keep the number of m-lines'],
      });
    }
    renegotiateMedia(dialog, offer, this.now(), this.options.logger);
    dialog.sdpVersion++;
    this.respond(request, peer, 200, 'OK', {
      localTag: dialog.localTag,
      body: answerSdp(dialog, this.options.address),
      headers: answerHeaders(dialog, this.hostPort()),
    });
  }

  private onCancel(request: SipRequest, peer: Peer): void {
    const invite = this.transactions.find(branchOf(request), 'INVITE');
    if (!invite) return this.respond(request, peer, 481, 'Call/Transaction Does Not Exist');
    this.respond(request, peer, 200, 'OK');
    const dialog = invite.context;
    if (invite.final || !dialog || dialog.state !== 'proceeding') return;
    this.options.logger.info({ call_id: dialog.callId }, 'sip: INVITE cancelled before it was answered');
    void this.terminate(dialog);
    this.respond(dialog.invite, invite.peer, 487, 'Request Terminated', { localTag: dialog.localTag });
    invite.final = true;
  }

  private onBye(request: SipRequest, peer: Peer): void {
    const dialog = this.inDialog(request);
    if (!dialog || dialog.state === 'terminated') return this.noDialog(request, peer);
    this.respond(request, peer, 200, 'OK', { localTag: dialog.localTag });
    this.options.logger.info({ case_id: dialog.leg?.caseId }, 'sip: BYE from the peer');
    void this.terminate(dialog);
  }

  private noDialog(request: SipRequest, peer: Peer): void {
    this.respond(request, peer, 481, 'Call/Transaction Does Not Exist');
  }

  /** Answers a request the product refuses, with the stable code in a Warning header. */
  private refuse(request: SipRequest, peer: Peer, err: unknown, dialog?: Dialog): void {
    const refusal = refusalFor(err);
    if (refusal.code)
      this.options.logger.warn(
        { code: refusal.code, call_id: request.headers.get('call-id'), reason: refusal.message },
        'sip: call refused',
      );
    this.respond(request, peer, refusal.status, refusal.reason, {
      headers: refusal.headers,
      ...(refusal.code ? { warning: [refusal.code, refusal.message] as [string, string] } : {}),
      ...(dialog ? { localTag: dialog.localTag } : {}),
    });
  }

  // ---- dialogs -------------------------------------------------------------------------------

  private inDialog(request: SipRequest): Dialog | undefined {
    const tag = parseNameAddr(request.headers.get('to') ?? '').params.get('tag');
    return tag ? this.dialogs.get(dialogKey(request.headers.get('call-id') ?? '', tag)) : undefined;
  }

  /** Ends a dialog without a BYE of ours (it was cancelled, or the peer said BYE). */
  private async terminate(dialog: Dialog): Promise<void> {
    if (dialog.state === 'terminated') return;
    dialog.state = 'terminated';
    if (dialog.okTimer) clearTimeout(dialog.okTimer);
    if (dialog.ringTimer) clearTimeout(dialog.ringTimer);
    for (const stream of dialog.streams) stream.rtp?.close();
    await dialog.leg?.end();
    setTimeout(() => this.dialogs.delete(dialogKey(dialog.callId, dialog.localTag)), TIMER_B).unref();
  }

  /** Sends BYE (retransmitted over UDP until answered or 64·T1) and ends the call. */
  private async hangUp(dialog: Dialog, why: string): Promise<void> {
    if (dialog.state === 'terminated') return;
    this.options.logger.info({ case_id: dialog.leg?.caseId, why }, 'sip: hanging up');
    const answered = this.clients.request(
      dialog.peer,
      byeRequest(dialog, this.hostPort()),
      this.closing ? 2000 : TIMER_B,
    );
    await Promise.all([answered, this.terminate(dialog)]);
  }

  /** RTP that stops without a hold ends the call (the peer vanished without BYE). */
  private checkMedia(): void {
    const now = this.now();
    const limit = this.options.config.ingress.rtpTimeoutMs;
    for (const dialog of this.dialogs.values()) {
      if (dialog.state !== 'confirmed' || dialog.onHold || limit === 0) continue;
      if (now - lastMediaAt(dialog) > limit) void this.hangUp(dialog, `no RTP for ${limit} ms`);
    }
  }

  private hostPort(): string {
    const address = this.options.address.includes(':') ? `[${this.options.address}]` : this.options.address;
    return `${address}:${this.port}`;
  }
}
