import type { Speaker } from '../../protocol/index.js';
import { IngressError, type IngressErrorCode } from '../ingress-error.js';
import { parseNameAddr, uriUser, type SipRequest } from './message.js';
import { SdpError, type OfferedStream } from './sdp.js';
import {
  mediaType,
  MetadataError,
  MultipartError,
  parseRecordingMetadata,
  speakersByLabel,
  splitMultipart,
  type RecordingMetadata,
} from './siprec.js';

export const ACCEPT = 'application/sdp, multipart/mixed, application/rs-metadata+xml';

/** What an INVITE offers: plain SDP, or SIPREC's multipart SDP + rs-metadata. */
export interface InviteBody {
  sdp: string;
  metadata: RecordingMetadata | null;
  siprec: boolean;
}

/** A body the SIP side cannot read (415 with Accept). */
export class UnsupportedMedia extends Error {
  constructor(type: string) {
    super(`unsupported body type ${type || '(none)'}`);
  }
}

export function inviteBody(request: SipRequest): InviteBody {
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

/** How a refused INVITE is answered: status, the stable code (Warning), extra headers. */
export interface Refusal {
  status: number;
  reason: string;
  code: IngressErrorCode | null;
  message: string;
  headers: Array<[string, string]>;
}

/** The answer to a request refused with `err`; anything that is not a refusal is rethrown. */
export function refusalFor(err: unknown): Refusal {
  if (err instanceof UnsupportedMedia) {
    return {
      status: 415,
      reason: 'Unsupported Media Type',
      code: null,
      message: err.message,
      headers: [['Accept', ACCEPT]],
    };
  }
  let code: IngressErrorCode;
  let message: string;
  if (err instanceof IngressError) [code, message] = [err.code, err.message];
  else if (err instanceof SdpError || err instanceof MultipartError || err instanceof MetadataError)
    [code, message] = ['malformed_frame', err.message];
  else throw err;
  const [status, reason] = SIP_STATUS[code];
  return { status, reason, code, message, headers: code === 'ingress_busy' ? [['Retry-After', '30']] : [] };
}

/**
 * Who speaks on each answered stream, and the agent's extension: a plain call is the caller on one
 * stream, the agent from the To user; a SIPREC session maps its metadata's participants, and channel
 * 0 is always the caller (`wanted` is reordered to match).
 */
export function callSpeakers(
  localUri: string,
  body: InviteBody,
  wanted: OfferedStream[],
  isAgentExtension: (user: string) => boolean,
): { speakers: Speaker[]; agentExtension: string | null } {
  if (!body.siprec) return { speakers: ['caller'], agentExtension: uriUser(parseNameAddr(localUri).uri) };
  const mapped = speakersByLabel(
    body.metadata,
    wanted.map((s) => s.label),
    isAgentExtension,
  );
  let speakers = mapped.map((m) => m.speaker);
  // Two streams of one speaker cannot be two channels: keep m-line order.
  if (speakers.length === 2 && speakers[0] === speakers[1]) speakers = ['caller', 'agent'];
  const agent = mapped.find((m) => m.speaker === 'agent')?.participant;
  if (speakers[0] === 'agent' && speakers.length === 2) {
    wanted.reverse();
    speakers = ['caller', 'agent'];
  }
  return { speakers, agentExtension: agent?.aor ? uriUser(agent.aor) : null };
}
