import sdpTransform from 'sdp-transform';
import type { PayloadKind, RtpCodec } from '../rtp.js';

/** One audio m-line of an offer, with what the product can take from it. */
export interface OfferedStream {
  /** Position among the offer's m-lines (the answer has one m-line per offered one). */
  index: number;
  type: string;
  /** SIPREC `a=label`, which the metadata's <stream> refers to. */
  label: string | null;
  address: string;
  port: number;
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  /** Payload type and codec the answer picks: the offer's first that HOTLINE_INGRESS_CODECS allows. */
  chosen: { payloadType: number; codec: RtpCodec; rate: number } | null;
  telephoneEvent: number | null;
  comfortNoise: boolean;
}

export class SdpError extends Error {}

/** Static payload types of RFC 3551 that the product decodes. */
const STATIC: Record<number, { codec: RtpCodec; rate: number }> = {
  0: { codec: 'PCMU', rate: 8000 },
  8: { codec: 'PCMA', rate: 8000 },
};

/** SIP calls are telephone audio: G.711 at 8 kHz (L16 belongs to ExternalMedia and AudioHook). */
const SIP_CODECS: readonly RtpCodec[] = ['PCMU', 'PCMA'];

export function parseOffer(text: string, allowed: readonly string[]): OfferedStream[] {
  let session: sdpTransform.SessionDescription;
  try {
    session = sdpTransform.parse(text);
  } catch (err) {
    throw new SdpError(`unreadable SDP: ${(err as Error).message}`);
  }
  if (!session.media || session.media.length === 0) throw new SdpError('SDP has no m= line');
  const sessionAddress = session.connection?.ip ?? null;
  const sessionDirection = session.direction;
  return session.media.map((media, index) => {
    const rtpmaps = new Map((media.rtp ?? []).map((r) => [r.payload, r]));
    const payloads = String(media.payloads ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((p) => Number.parseInt(p, 10));
    let chosen: OfferedStream['chosen'] = null;
    let telephoneEvent: number | null = null;
    let comfortNoise = false;
    for (const pt of payloads) {
      const map = rtpmaps.get(pt);
      const name = map?.codec.toUpperCase();
      const rate = map?.rate ?? STATIC[pt]?.rate;
      if (name === 'TELEPHONE-EVENT' && rate === 8000) telephoneEvent ??= pt;
      else if (name === 'CN' || pt === 13) comfortNoise = true;
      const codec = (name ?? STATIC[pt]?.codec) as RtpCodec | undefined;
      if (!chosen && codec && rate === 8000 && SIP_CODECS.includes(codec) && allowed.includes(codec)) {
        chosen = { payloadType: pt, codec, rate };
      }
    }
    const address = media.connection?.ip ?? sessionAddress ?? '0.0.0.0';
    return {
      index,
      type: media.type,
      label: media.label !== undefined ? String(media.label) : null,
      address,
      port: media.port,
      direction: media.direction ?? sessionDirection ?? 'sendrecv',
      chosen: media.type === 'audio' && media.port !== 0 ? chosen : null,
      telephoneEvent,
      comfortNoise,
    };
  });
}

/** The payload types a stream's packets may carry once the answer is given. */
export function payloadKinds(stream: OfferedStream): Map<number, PayloadKind> {
  const kinds = new Map<number, PayloadKind>();
  if (stream.chosen)
    kinds.set(stream.chosen.payloadType, { codec: stream.chosen.codec, rate: stream.chosen.rate });
  if (stream.telephoneEvent !== null) kinds.set(stream.telephoneEvent, { codec: 'telephone-event' });
  if (stream.comfortNoise) kinds.set(13, { codec: 'CN' });
  return kinds;
}

/** The peer stops sending: a re-INVITE to inactive/recvonly, or the RFC 2543 c=0.0.0.0. */
export function isHold(stream: OfferedStream): boolean {
  return stream.direction === 'inactive' || stream.direction === 'recvonly' || stream.address === '0.0.0.0';
}

const ANSWER_DIRECTION: Record<OfferedStream['direction'], OfferedStream['direction']> = {
  // The product only listens: it never sends audio back.
  sendrecv: 'recvonly',
  sendonly: 'recvonly',
  recvonly: 'inactive',
  inactive: 'inactive',
};

export interface AnswerStream {
  offer: OfferedStream;
  /** Our RTP port; null = this m-line is declined (port 0). */
  port: number | null;
}

/** RFC 3264 answer: one m-line per offered one, declined ones with port 0. */
export function buildAnswer(address: string, version: number, streams: readonly AnswerStream[]): string {
  const family = address.includes(':') ? 'IP6' : 'IP4';
  const lines = [
    'v=0',
    `o=hotline-assist ${version} ${version} IN ${family} ${address}`,
    's=Hotline Assist',
    `c=IN ${family} ${address}`,
    't=0 0',
  ];
  for (const { offer, port } of streams) {
    const chosen = port === null ? null : offer.chosen;
    if (!chosen) {
      lines.push(`m=${offer.type} 0 RTP/AVP ${offer.type === 'audio' ? '0' : '*'}`);
      if (offer.label !== null) lines.push(`a=label:${offer.label}`);
      continue;
    }
    const pts = [chosen.payloadType, ...(offer.telephoneEvent !== null ? [offer.telephoneEvent] : [])];
    lines.push(`m=audio ${port} RTP/AVP ${pts.join(' ')}`);
    lines.push(`a=rtpmap:${chosen.payloadType} ${chosen.codec}/${chosen.rate}`);
    if (offer.telephoneEvent !== null) {
      lines.push(
        `a=rtpmap:${offer.telephoneEvent} telephone-event/8000`,
        `a=fmtp:${offer.telephoneEvent} 0-16`,
      );
    }
    lines.push('a=ptime:20');
    if (offer.label !== null) lines.push(`a=label:${offer.label}`);
    lines.push(`a=${ANSWER_DIRECTION[offer.direction]}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}
