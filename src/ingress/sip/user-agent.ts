import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { Config, Logger } from '../../config/index.js';
import type { Speaker } from '../../protocol/index.js';
import type { CallLeg, CallLegs } from '../call-leg.js';
import { IngressError, type IngressErrorCode } from '../ingress-error.js';
import { peerPrincipal, type PeerAllowList } from '../peer-access.js';
import { RtpStream, type RtpPortPool } from '../rtp.js';
import {
  parseNameAddr,
  parseSipMessage,
  parseVia,
  requestProblem,
  serializeSip,
  SipHeaders,
  SipParseError,
  SipStreamFramer,
  uriUser,
  type SipRequest,
  type SipResponse,
} from './message.js';
import { buildAnswer, isHold, parseOffer, payloadKinds, SdpError, type OfferedStream } from './sdp.js';
import {
  mediaType,
  MetadataError,
  MultipartError,
  parseRecordingMetadata,
  speakersByLabel,
  splitMultipart,
  type RecordingMetadata,
} from './siprec.js';

/** Where a request came from and how to answer it. */
type Peer =
  | { transport: 'UDP'; address: string; port: number }
  | { transport: 'TCP'; address: string; port: number; socket: Socket };

const T1 = 500;
const T2 = 4000;
/** 64·T1: how long a transaction waits for an ACK or a response. */
const TIMER_B = 64 * T1;
const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO';
const ACCEPT = 'application/sdp, multipart/mixed, application/rs-metadata+xml';
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

const SIP_STATUS: Record<IngressErrorCode, [number, string]> = {
  ingress_busy: [503, 'Service Unavailable'],
  unsupported_codec: [488, 'Not Acceptable Here'],
  invalid_case_id: [400, 'Bad Request'],
  case_in_use: [486, 'Busy Here'],
  unauthorized: [403, 'Forbidden'],
  forbidden_peer: [403, 'Forbidden'],
  malformed_frame: [400, 'Bad Request'],
  protocol_error: [400, 'Bad Request'],
};

const token = (bytes = 8) => randomBytes(bytes).toString('hex');

interface Dialog {
  callId: string;
  localTag: string;
  remoteTag: string;
  /** Header values for requests we send in the dialog. */
  localUri: string;
  remoteUri: string;
  remoteTarget: string;
  routeSet: string[];
  localCseq: number;
  peer: Peer;
  invite: SipRequest;
  state: 'proceeding' | 'confirmed' | 'terminated';
  leg: CallLeg | null;
  streams: Array<{ offer: OfferedStream; rtp: RtpStream | null }>;
  onHold: boolean;
  sdpVersion: number;
  /** 2xx retransmission until the ACK comes (UDP). */
  okTimer: NodeJS.Timeout | null;
  ringTimer: NodeJS.Timeout | null;
  answeredAt: number | null;
}

interface ServerTransaction {
  last: Buffer | null;
  peer: Peer;
  /** The INVITE transaction's dialog, for CANCEL. */
  dialog: Dialog | null;
  final: boolean;
  retransmit: NodeJS.Timeout | null;
}

interface ClientTransaction {
  resolve: (response: SipResponse | null) => void;
  timer: NodeJS.Timeout;
}

export interface SipUserAgentOptions {
  config: Config;
  logger: Logger;
  legs: CallLegs;
  allow: PeerAllowList;
  rtpPorts: RtpPortPool;
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
 */
export class SipUserAgent {
  private readonly dialogs = new Map<string, Dialog>();
  private readonly transactions = new Map<string, ServerTransaction>();
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly tcpSockets = new Set<Socket>();
  private readonly watchdog: NodeJS.Timeout;
  private readonly now: () => number;
  private closing = false;

  private constructor(
    private readonly udp: UdpSocket,
    private readonly tcp: Server,
    readonly port: number,
    private readonly options: SipUserAgentOptions,
  ) {
    this.now = options.now ?? Date.now;
    udp.on('message', (bytes: Buffer, from) =>
      this.receive(bytes, { transport: 'UDP', address: from.address, port: from.port }),
    );
    udp.on('error', (err) => options.logger.warn({ err }, 'sip: udp socket error'));
    tcp.on('connection', (socket) => this.accept(socket));
    this.watchdog = setInterval(() => this.checkMedia(), 1000);
    this.watchdog.unref();
  }

  /** Binds UDP and TCP on the same port (0 = one free port for both). */
  static async start(port: number, options: SipUserAgentOptions): Promise<SipUserAgent> {
    const family = options.host.includes(':') ? 'udp6' : 'udp4';
    for (let attempt = 0; attempt < 20; attempt++) {
      const udp = createSocket(family);
      const udpPort = await new Promise<number | null>((resolve) => {
        udp.once('error', () => resolve(null));
        udp.bind(port, options.host, () => resolve(udp.address().port));
      });
      if (udpPort === null) {
        udp.close();
        if (port !== 0) throw new Error(`SIP port ${port}/udp is in use`);
        continue;
      }
      const tcp = createServer();
      const ok = await new Promise<boolean>((resolve) => {
        tcp.once('error', () => resolve(false));
        tcp.listen(udpPort, options.host, () => resolve(true));
      });
      if (ok) return new SipUserAgent(udp, tcp, udpPort, options);
      udp.close();
      if (port !== 0) throw new Error(`SIP port ${port}/tcp is in use`);
    }
    throw new Error('no port free for SIP on both UDP and TCP');
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
    for (const tx of this.transactions.values()) if (tx.retransmit) clearTimeout(tx.retransmit);
    for (const socket of this.tcpSockets) socket.destroy();
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
  }

  // ---- transport -----------------------------------------------------------------------------

  private accept(socket: Socket): void {
    this.tcpSockets.add(socket);
    const peer: Peer = {
      transport: 'TCP',
      address: socket.remoteAddress ?? '',
      port: socket.remotePort ?? 0,
      socket,
    };
    const framer = new SipStreamFramer();
    socket.on('data', (chunk: Buffer) => {
      let messages: Buffer[];
      try {
        messages = framer.push(chunk);
      } catch (err) {
        // A stream without framing cannot be resynchronised: drop the connection.
        this.options.logger.warn({ err, peer: peer.address }, 'sip: unreadable TCP stream; closed');
        socket.destroy();
        return;
      }
      for (const message of messages) this.receive(message, peer);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.tcpSockets.delete(socket));
  }

  private send(peer: Peer, bytes: Buffer): void {
    if (peer.transport === 'UDP') this.udp.send(bytes, peer.port, peer.address);
    else if (!peer.socket.destroyed) peer.socket.write(bytes);
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
    if (message.kind === 'response') return this.onResponse(message);
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

  // ---- requests ------------------------------------------------------------------------------

  private onRequest(request: SipRequest, peer: Peer): void {
    const branch = this.branchOf(request);
    const key = `${branch}|${request.method}`;
    if (request.method === 'ACK') return this.onAck(request, key);
    const existing = this.transactions.get(key);
    if (existing) {
      // A retransmission: the last response again.
      if (existing.last) this.send(peer, existing.last);
      return;
    }
    const tx: ServerTransaction = { last: null, peer, dialog: null, final: false, retransmit: null };
    this.transactions.set(key, tx);
    setTimeout(() => this.transactions.delete(key), TIMER_B).unref();
    const toTag = parseNameAddr(request.headers.get('to') ?? '').params.get('tag');
    switch (request.method) {
      case 'INVITE':
        return toTag ? this.onReInvite(request, peer) : void this.onInvite(request, peer, tx);
      case 'CANCEL':
        return this.onCancel(request, peer, branch);
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

  private async onInvite(request: SipRequest, peer: Peer, tx: ServerTransaction): Promise<void> {
    const unsupported = request.headers
      .all('require')
      .filter((tag) => !SUPPORTED_OPTIONS.has(tag.toLowerCase()));
    if (unsupported.length > 0) {
      return this.respond(request, peer, 420, 'Bad Extension', {
        headers: [['Unsupported', unsupported.join(', ')]],
      });
    }
    let body: { sdp: string; metadata: RecordingMetadata | null; siprec: boolean };
    let offer: OfferedStream[];
    try {
      body = this.inviteBody(request);
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
    const from = parseNameAddr(request.headers.get('from') ?? '');
    const dialog: Dialog = {
      callId: request.headers.get('call-id') as string,
      localTag: token(),
      remoteTag: from.params.get('tag') ?? '',
      localUri: request.headers.get('to') as string,
      remoteUri: request.headers.get('from') as string,
      remoteTarget: parseNameAddr(request.headers.get('contact') ?? from.uri).uri,
      routeSet: request.headers.all('record-route'),
      localCseq: 0,
      peer,
      invite: request,
      state: 'proceeding',
      leg: null,
      streams: offer.map((o) => ({ offer: o, rtp: null })),
      onHold: false,
      sdpVersion: 1,
      okTimer: null,
      ringTimer: null,
      answeredAt: null,
    };
    tx.dialog = dialog;
    this.dialogs.set(this.dialogKey(dialog.callId, dialog.localTag), dialog);
    this.respond(request, peer, 100, 'Trying', { dialog });
    const delay = this.options.config.ingress.answerDelayMs;
    if (delay > 0) {
      this.respond(request, peer, 180, 'Ringing', { dialog });
      await new Promise<void>((resolve) => {
        dialog.ringTimer = setTimeout(resolve, delay);
      });
      dialog.ringTimer = null;
      if (dialog.state !== 'proceeding') return; // cancelled while ringing
    }
    try {
      await this.answer(dialog, request, peer, tx, wanted, body);
    } catch (err) {
      this.terminate(dialog);
      this.refuse(request, peer, err, dialog);
    }
  }

  private async answer(
    dialog: Dialog,
    request: SipRequest,
    peer: Peer,
    tx: ServerTransaction,
    wanted: OfferedStream[],
    body: { metadata: RecordingMetadata | null; siprec: boolean },
  ): Promise<void> {
    const { config, legs } = this.options;
    const extensions = new Set(config.ingress.agentExtensions.map((e) => e.split('=')[0]?.trim()));
    let speakers: Speaker[] = ['caller'];
    let agentExtension: string | null = uriUser(parseNameAddr(dialog.localUri).uri);
    if (body.siprec) {
      const mapped = speakersByLabel(
        body.metadata,
        wanted.map((s) => s.label),
        (user) => extensions.has(user),
      );
      speakers = mapped.map((m) => m.speaker);
      // Two streams of one speaker cannot be two channels: keep m-line order.
      if (speakers.length === 2 && speakers[0] === speakers[1]) speakers = ['caller', 'agent'];
      const agent = mapped.find((m) => m.speaker === 'agent')?.participant;
      agentExtension = agent?.aor ? uriUser(agent.aor) : null;
      if (speakers[0] === 'agent' && speakers.length === 2) {
        // Channel 0 is always the caller.
        wanted.reverse();
        speakers = ['caller', 'agent'];
      }
    }
    const leg = await legs.open({
      protocol: body.siprec ? 'siprec' : 'sip',
      callId: dialog.callId,
      caseId: request.headers.get(config.ingress.sipCaseHeader),
      agentId: request.headers.get(config.ingress.sipAgentHeader),
      agentExtension: agentExtension ?? undefined,
      speakers,
      sampleRate: 8000,
      principal: peerPrincipal(body.siprec ? 'siprec' : 'sip', peer.address),
    });
    if (dialog.state !== 'proceeding') {
      // CANCEL won the race while the call was opening.
      await leg.end();
      return;
    }
    dialog.leg = leg;
    for (const [channel, offer] of wanted.entries()) {
      const slot = dialog.streams.find((s) => s.offer === offer) as Dialog['streams'][number];
      const { socket, port } = await this.options.rtpPorts.bind();
      slot.rtp = new RtpStream(socket, port, {
        leg,
        channel,
        payloads: payloadKinds(offer),
        allow: this.options.allow,
        logger: this.options.logger,
        now: this.now,
      });
    }
    dialog.onHold = wanted.every(isHold);
    dialog.answeredAt = this.now();
    this.respond(request, peer, 200, 'OK', {
      dialog,
      body: this.answerSdp(dialog),
      headers: this.answerHeaders(dialog),
    });
    tx.final = true;
    if (tx.last) this.awaitAck(dialog, peer, tx.last);
  }

  private answerHeaders(dialog: Dialog): Array<[string, string]> {
    const transport = dialog.peer.transport === 'TCP' ? ';transport=tcp' : '';
    const srs = dialog.leg?.spec.protocol === 'siprec' ? ';+sip.srs' : '';
    return [
      ['Contact', `<sip:hotline@${this.hostPort()}${transport}>${srs}`],
      ['Allow', ALLOW],
      ['Supported', 'siprec'],
      ['Content-Type', 'application/sdp'],
    ];
  }

  private answerSdp(dialog: Dialog): Buffer {
    return Buffer.from(
      buildAnswer(
        this.options.address,
        dialog.sdpVersion,
        dialog.streams.map((s) => ({ offer: s.offer, port: s.rtp?.port ?? null })),
      ),
    );
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
      if (peer.transport === 'UDP') this.send(peer, response);
      interval = Math.min(interval * 2, T2);
      dialog.okTimer = setTimeout(tick, interval);
    };
    dialog.okTimer = setTimeout(tick, interval);
  }

  private onAck(request: SipRequest, key: string): void {
    const tx = this.transactions.get(key.replace(/\|ACK$/, '|INVITE'));
    if (tx?.retransmit) clearTimeout(tx.retransmit);
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
      const body = this.inviteBody(request);
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
    offer.forEach((o, i) => {
      const slot = dialog.streams[i] as Dialog['streams'][number];
      slot.offer = o;
      slot.rtp?.renegotiate(payloadKinds(o));
    });
    const active = dialog.streams.filter((s) => s.rtp);
    const hold = active.length > 0 && active.every((s) => isHold(s.offer));
    if (hold !== dialog.onHold) {
      this.options.logger.info(
        { case_id: dialog.leg?.caseId, hold },
        hold ? 'sip: call on hold' : 'sip: call resumed',
      );
      // The media watchdog restarts its count when the call comes off hold.
      if (!hold) for (const s of active) if (s.rtp) s.rtp.lastPacketAt = this.now();
    }
    dialog.onHold = hold;
    dialog.sdpVersion++;
    this.respond(request, peer, 200, 'OK', {
      dialog,
      body: this.answerSdp(dialog),
      headers: this.answerHeaders(dialog),
    });
  }

  private onCancel(request: SipRequest, peer: Peer, branch: string): void {
    const invite = this.transactions.get(`${branch}|INVITE`);
    if (!invite) return this.respond(request, peer, 481, 'Call/Transaction Does Not Exist');
    this.respond(request, peer, 200, 'OK');
    const dialog = invite.dialog;
    if (invite.final || !dialog || dialog.state !== 'proceeding') return;
    this.options.logger.info({ call_id: dialog.callId }, 'sip: INVITE cancelled before it was answered');
    this.terminate(dialog);
    this.respond(dialog.invite, invite.peer, 487, 'Request Terminated', { dialog });
    invite.final = true;
  }

  private onBye(request: SipRequest, peer: Peer): void {
    const dialog = this.inDialog(request);
    if (!dialog || dialog.state === 'terminated') return this.noDialog(request, peer);
    this.respond(request, peer, 200, 'OK', { dialog });
    this.options.logger.info({ case_id: dialog.leg?.caseId }, 'sip: BYE from the peer');
    void this.terminate(dialog);
  }

  private noDialog(request: SipRequest, peer: Peer): void {
    this.respond(request, peer, 481, 'Call/Transaction Does Not Exist');
  }

  /** The body of an INVITE: plain SDP, or SIPREC's multipart SDP + rs-metadata. */
  private inviteBody(request: SipRequest): {
    sdp: string;
    metadata: RecordingMetadata | null;
    siprec: boolean;
  } {
    const type = mediaType(request.headers.get('content-type'));
    if (request.body.length === 0) {
      throw new IngressError('protocol_error', 'an INVITE without an SDP offer is not supported');
    }
    if (type === 'application/sdp')
      return { sdp: request.body.toString('utf8'), metadata: null, siprec: false };
    if (type !== 'multipart/mixed') throw new UnsupportedMedia(type);
    const parts = splitMultipart(request.headers.get('content-type') as string, request.body);
    const sdp = parts.find((p) => mediaType(p.contentType) === 'application/sdp');
    if (!sdp) throw new IngressError('protocol_error', 'multipart INVITE without an application/sdp part');
    const xml = parts.find((p) => mediaType(p.contentType) === 'application/rs-metadata+xml');
    const siprec =
      xml !== undefined ||
      request.headers.all('require').some((t) => t.toLowerCase() === 'siprec') ||
      (request.headers.get('contact') ?? '').includes('+sip.src');
    return { sdp: sdp.body, metadata: xml ? parseRecordingMetadata(xml.body) : null, siprec };
  }

  /** Answers a request the product refuses, with the stable code in a Warning header. */
  private refuse(request: SipRequest, peer: Peer, err: unknown, dialog?: Dialog): void {
    if (err instanceof UnsupportedMedia) {
      return this.respond(request, peer, 415, 'Unsupported Media Type', {
        headers: [['Accept', ACCEPT]],
        ...(dialog ? { dialog } : {}),
      });
    }
    let code: IngressErrorCode;
    let message: string;
    if (err instanceof IngressError) [code, message] = [err.code, err.message];
    else if (err instanceof SdpError || err instanceof MultipartError || err instanceof MetadataError)
      [code, message] = ['malformed_frame', err.message];
    else throw err;
    const [status, reason] = SIP_STATUS[code];
    this.options.logger.warn(
      { code, call_id: request.headers.get('call-id'), reason: message },
      'sip: call refused',
    );
    this.respond(request, peer, status, reason, {
      warning: [code, message],
      headers: code === 'ingress_busy' ? [['Retry-After', '30']] : [],
      ...(dialog ? { dialog } : {}),
    });
  }

  private respond(
    request: SipRequest,
    peer: Peer,
    status: number,
    reason: string,
    extra: {
      dialog?: Dialog;
      headers?: Array<[string, string]>;
      body?: Buffer;
      warning?: [string, string];
    } = {},
  ): void {
    const headers = new SipHeaders();
    for (const via of request.headers.raw('via')) headers.add('Via', this.stampVia(via, peer));
    headers.add('From', request.headers.get('from') ?? '');
    let to = request.headers.get('to') ?? '';
    if (status > 100 && !parseNameAddr(to).params.has('tag')) {
      to = `${to};tag=${extra.dialog?.localTag ?? token()}`;
    }
    headers.add('To', to);
    headers.add('Call-ID', request.headers.get('call-id') ?? '');
    headers.add('CSeq', request.headers.get('cseq') ?? '');
    if (status >= 200 && status < 300 && request.method === 'INVITE')
      for (const rr of request.headers.raw('record-route')) headers.add('Record-Route', rr);
    headers.add('Server', 'hotline-assist');
    for (const [name, value] of extra.headers ?? []) headers.add(name, value);
    if (extra.warning) {
      headers.add(
        'Warning',
        `399 hotline-assist "${extra.warning[0]}: ${extra.warning[1].replace(/"/g, "'")}"`,
      );
    }
    const bytes = serializeSip({
      kind: 'response',
      status,
      reason,
      headers,
      body: extra.body ?? Buffer.alloc(0),
    });
    this.send(peer, bytes);
    const key = `${this.branchOf(request)}|${request.method}`;
    const tx = this.transactions.get(key);
    if (tx) {
      tx.last = bytes;
      if (status >= 200) tx.final = true;
      // Non-2xx finals to an INVITE over UDP are resent until the ACK (RFC 3261 §17.2.1).
      if (request.method === 'INVITE' && status >= 300 && peer.transport === 'UDP')
        this.retransmitFinal(tx, bytes);
    }
  }

  private retransmitFinal(tx: ServerTransaction, bytes: Buffer): void {
    let interval = T1;
    let elapsed = 0;
    const tick = () => {
      if (elapsed >= TIMER_B) return;
      this.send(tx.peer, bytes);
      elapsed += interval;
      interval = Math.min(interval * 2, T2);
      tx.retransmit = setTimeout(tick, interval);
      tx.retransmit.unref();
    };
    tx.retransmit = setTimeout(tick, interval);
    tx.retransmit.unref();
  }

  /** RFC 3581: the top Via gets `received` and `rport` filled with where the request came from. */
  private stampVia(via: string, peer: Peer): string {
    if (via !== undefined && peer.transport === 'UDP' && /;rport(?=;|$)/.test(via)) {
      return via.replace(/;rport(?=;|$)/, `;rport=${peer.port}`) + `;received=${peer.address}`;
    }
    return via;
  }

  // ---- dialogs -------------------------------------------------------------------------------

  private dialogKey(callId: string, localTag: string): string {
    return `${callId}|${localTag}`;
  }

  private inDialog(request: SipRequest): Dialog | undefined {
    const tag = parseNameAddr(request.headers.get('to') ?? '').params.get('tag');
    return tag ? this.dialogs.get(this.dialogKey(request.headers.get('call-id') ?? '', tag)) : undefined;
  }

  private branchOf(request: SipRequest): string {
    try {
      return parseVia(request.headers.raw('via')[0] ?? '').params.get('branch') ?? '';
    } catch {
      return '';
    }
  }

  /** Ends a dialog without a BYE of ours (it was cancelled, or the peer said BYE). */
  private async terminate(dialog: Dialog): Promise<void> {
    if (dialog.state === 'terminated') return;
    dialog.state = 'terminated';
    if (dialog.okTimer) clearTimeout(dialog.okTimer);
    if (dialog.ringTimer) clearTimeout(dialog.ringTimer);
    for (const stream of dialog.streams) stream.rtp?.close();
    await dialog.leg?.end();
    setTimeout(() => this.dialogs.delete(this.dialogKey(dialog.callId, dialog.localTag)), TIMER_B).unref();
  }

  /** Sends BYE (retransmitted over UDP until answered or 64·T1) and ends the call. */
  private async hangUp(dialog: Dialog, why: string): Promise<void> {
    if (dialog.state === 'terminated') return;
    this.options.logger.info({ case_id: dialog.leg?.caseId, why }, 'sip: hanging up');
    const bye = this.byeRequest(dialog);
    const branch = parseVia(bye.headers.get('via') as string).params.get('branch') as string;
    const bytes = serializeSip(bye);
    const answered = new Promise<SipResponse | null>((resolve) => {
      const timer = setTimeout(
        () => {
          this.clients.delete(branch);
          resolve(null);
        },
        this.closing ? 2000 : TIMER_B,
      );
      this.clients.set(branch, { resolve, timer });
    });
    this.send(dialog.peer, bytes);
    if (dialog.peer.transport === 'UDP') {
      let interval = T1;
      const resend = () => {
        if (!this.clients.has(branch)) return;
        this.send(dialog.peer, bytes);
        interval = Math.min(interval * 2, T2);
        setTimeout(resend, interval).unref();
      };
      setTimeout(resend, interval).unref();
    }
    const ending = this.terminate(dialog);
    await Promise.all([answered, ending]);
  }

  private byeRequest(dialog: Dialog): SipRequest {
    dialog.localCseq = Math.max(dialog.localCseq, 1) + 1;
    const transport = dialog.peer.transport;
    const headers = SipHeaders.from([
      ['Via', `SIP/2.0/${transport} ${this.hostPort()};branch=z9hG4bK${token()};rport`],
      ['Max-Forwards', '70'],
      ['From', `${dialog.localUri.replace(/;tag=[^;]*/, '')};tag=${dialog.localTag}`],
      ['To', dialog.remoteUri],
      ['Call-ID', dialog.callId],
      ['CSeq', `${dialog.localCseq} BYE`],
      ...dialog.routeSet.map((r) => ['Route', r] as [string, string]),
      ['User-Agent', 'hotline-assist'],
    ]);
    return { kind: 'request', method: 'BYE', uri: dialog.remoteTarget, headers, body: Buffer.alloc(0) };
  }

  private onResponse(response: SipResponse): void {
    const branch = (() => {
      try {
        return parseVia(response.headers.raw('via')[0] ?? '').params.get('branch') ?? '';
      } catch {
        return '';
      }
    })();
    const client = this.clients.get(branch);
    if (!client || response.status < 200) return;
    clearTimeout(client.timer);
    this.clients.delete(branch);
    client.resolve(response);
  }

  /** RTP that stops without a hold ends the call (the peer vanished without BYE). */
  private checkMedia(): void {
    const now = this.now();
    const limit = this.options.config.ingress.rtpTimeoutMs;
    for (const dialog of this.dialogs.values()) {
      if (dialog.state !== 'confirmed' || dialog.onHold || limit === 0) continue;
      const last = Math.max(...dialog.streams.map((s) => s.rtp?.lastPacketAt ?? 0));
      if (now - last > limit) void this.hangUp(dialog, `no RTP for ${limit} ms`);
    }
  }

  private hostPort(): string {
    const address = this.options.address.includes(':') ? `[${this.options.address}]` : this.options.address;
    return `${address}:${this.port}`;
  }
}

/** A body the SIP side cannot read (415 with Accept). */
class UnsupportedMedia extends Error {
  constructor(type: string) {
    super(`unsupported body type ${type || '(none)'}`);
  }
}
