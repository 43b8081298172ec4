import type { CallLeg } from '../call-leg.js';
import type { RtpStream } from '../rtp.js';
import { parseNameAddr, SipHeaders, type SipRequest } from './message.js';
import { buildAnswer, type OfferedStream } from './sdp.js';
import { sipToken } from './transactions.js';
import type { Peer } from './transport.js';

export const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO';

/** One call as the SIP side sees it (RFC 3261 §12), from its INVITE to BYE or CANCEL. */
export interface Dialog {
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

export const dialogKey = (callId: string, localTag: string): string => `${callId}|${localTag}`;

/** The dialog an initial INVITE creates on our side (UAS, §12.1.1). */
export function dialogFromInvite(request: SipRequest, peer: Peer, offer: OfferedStream[]): Dialog {
  const from = parseNameAddr(request.headers.get('from') ?? '');
  return {
    callId: request.headers.get('call-id') as string,
    localTag: sipToken(),
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
}

/** Headers of our 200 OK to an INVITE; `hostPort` is where peers reach us. */
export function answerHeaders(dialog: Dialog, hostPort: string): Array<[string, string]> {
  const transport = dialog.peer.transport === 'TCP' ? ';transport=tcp' : '';
  const srs = dialog.leg?.spec.protocol === 'siprec' ? ';+sip.srs' : '';
  return [
    ['Contact', `<sip:hotline@${hostPort}${transport}>${srs}`],
    ['Allow', ALLOW],
    ['Supported', 'siprec'],
    ['Content-Type', 'application/sdp'],
  ];
}

/** Our recvonly SDP answer: the RTP port of each stream we take, 0 for the others. */
export function answerSdp(dialog: Dialog, address: string): Buffer {
  return Buffer.from(
    buildAnswer(
      address,
      dialog.sdpVersion,
      dialog.streams.map((s) => ({ offer: s.offer, port: s.rtp?.port ?? null })),
    ),
  );
}

/** A BYE within the dialog (§15.1.1); advances the dialog's CSeq. */
export function byeRequest(dialog: Dialog, hostPort: string): SipRequest {
  dialog.localCseq = Math.max(dialog.localCseq, 1) + 1;
  const transport = dialog.peer.transport;
  const headers = SipHeaders.from([
    ['Via', `SIP/2.0/${transport} ${hostPort};branch=z9hG4bK${sipToken()};rport`],
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
