import type { Config, Logger } from '../config/index.js';
import type { Principal, Speaker } from '../protocol/index.js';
import type { CallLeg, CallLegs } from './call-leg.js';
import { IngressError } from './ingress-error.js';
import type { PeerAllowList } from './peer-access.js';
import { RtpStream, type PayloadKind, type RtpCodec, type RtpPortPool } from './rtp.js';

/** Asterisk ExternalMedia formats the product takes, and what they are on the wire. */
const FORMATS: Record<string, { codec: RtpCodec; rate: 8000 | 16000; payloads: number[] }> = {
  ulaw: { codec: 'PCMU', rate: 8000, payloads: [0] },
  alaw: { codec: 'PCMA', rate: 8000, payloads: [8] },
  // slin16 travels with a dynamic payload type, big-endian (RFC 3551 L16).
  slin16: { codec: 'L16', rate: 16000, payloads: Array.from({ length: 32 }, (_, i) => 96 + i) },
};
export const externalMediaFormats = Object.keys(FORMATS);

export interface ExternalMediaRequest {
  format: string;
  case_id?: string | undefined;
  agent_id?: string | undefined;
  speaker?: Speaker | undefined;
  /** The Asterisk channel id, used for the case id when none is given. */
  channel_id?: string | undefined;
}

export interface ExternalMediaLeg {
  case_id: string;
  /** What the ARI app passes as `external_host` to `POST /channels/externalMedia`. */
  external_host: string;
  format: string;
}

interface Open {
  leg: CallLeg;
  rtp: RtpStream;
}

export interface ExternalMediaOptions {
  legs: CallLegs;
  allow: PeerAllowList;
  rtpPorts: RtpPortPool;
  /** The address Asterisk sends RTP to. */
  address: string;
  config: Config;
  logger: Logger;
}

/**
 * Asterisk ExternalMedia over RTP: an ARI application asks the product for a port
 * (`POST /api/ingress/external-media`), creates the ExternalMedia channel with that
 * `external_host`, and bridges it into the call; RTP arrives with no signalling at all. The call
 * ends on `DELETE /api/ingress/external-media/:case_id`, or when RTP stops for
 * HOTLINE_RTP_TIMEOUT_MS.
 */
export class ExternalMedia {
  private readonly open = new Map<string, Open>();
  private readonly watchdog: NodeJS.Timeout;

  constructor(private readonly options: ExternalMediaOptions) {
    this.watchdog = setInterval(() => this.checkMedia(), 1000);
    this.watchdog.unref();
  }

  async start(request: ExternalMediaRequest, principal: Principal): Promise<ExternalMediaLeg> {
    const { legs, rtpPorts, allow, config, logger, address } = this.options;
    const format = FORMATS[request.format];
    if (!format || !config.ingress.codecs.includes(format.codec)) {
      throw new IngressError(
        'unsupported_codec',
        `format ${request.format}: one of ${externalMediaFormats.filter((f) => config.ingress.codecs.includes(FORMATS[f]?.codec as RtpCodec)).join(', ')}`,
      );
    }
    legs.checkCapacity();
    const { socket, port } = await rtpPorts.bind();
    let leg: CallLeg;
    try {
      leg = await legs.open({
        protocol: 'external-media',
        callId: request.channel_id ?? `${Date.now()}-${port}`,
        caseId: request.case_id,
        agentId: request.agent_id,
        speakers: [request.speaker ?? 'caller'],
        sampleRate: format.rate,
        principal,
      });
    } catch (err) {
      socket.close();
      throw err;
    }
    const payloads = new Map<number, PayloadKind>(
      format.payloads.map((pt) => [pt, { codec: format.codec, rate: format.rate }]),
    );
    const rtp = new RtpStream(socket, port, { leg, channel: 0, payloads, allow, logger });
    this.open.set(leg.caseId, { leg, rtp });
    const host = address.includes(':') ? `[${address}]` : address;
    return { case_id: leg.caseId, external_host: `${host}:${port}`, format: request.format };
  }

  /** Ends the call; false when no ExternalMedia call has this case id. */
  async stop(caseId: string): Promise<boolean> {
    const open = this.open.get(caseId);
    if (!open) return false;
    this.open.delete(caseId);
    open.rtp.close();
    await open.leg.end();
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.watchdog);
    await Promise.all([...this.open.keys()].map((caseId) => this.stop(caseId)));
  }

  private checkMedia(): void {
    const limit = this.options.config.ingress.rtpTimeoutMs;
    if (limit === 0) return;
    const now = Date.now();
    for (const [caseId, { rtp }] of this.open) {
      if (now - rtp.lastPacketAt > limit) {
        this.options.logger.info({ case_id: caseId }, `external media: no RTP for ${limit} ms; call ended`);
        void this.stop(caseId);
      }
    }
  }
}
