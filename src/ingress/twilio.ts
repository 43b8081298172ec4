import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Config, Logger } from '../config/index.js';
import { decodeToPcm16 } from '../audio/index.js';
import type { Principal } from '../protocol/index.js';
import type { CallLegs } from './call-leg.js';
import { IngressError, type IngressErrorCode } from './ingress-error.js';
import { ingressPrincipal, WsLegConnection, type TokenCheck } from './ws-leg.js';

/**
 * Twilio signs the WebSocket upgrade of a Media Stream: `X-Twilio-Signature` is the base64
 * HMAC-SHA1 of the exact URL given in `<Stream url>` (no query string: Twilio forbids one), keyed
 * with the account's auth token.
 */
export function twilioSignatureValid(authToken: string, url: string, signature: string | undefined): boolean {
  if (!signature) return false;
  const expected = createHmac('sha1', authToken).update(url).digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface StartMessage {
  callSid?: string;
  streamSid?: string;
  tracks?: string[];
  customParameters?: Record<string, string>;
  mediaFormat?: { encoding?: string; sampleRate?: number; channels?: number };
}

export interface TwilioOptions {
  legs: CallLegs;
  config: Config;
  logger: Logger;
  /** Set when the upgrade carried a valid `X-Twilio-Signature`. */
  signed: Principal | null;
  /** Without a signature, the `token` custom parameter must be an ingress token. */
  checkToken: TokenCheck;
}

/**
 * Twilio Media Streams on `WS /ingress/twilio`: JSON `connected`, `start` (call metadata, custom
 * parameters, tracks), `media` (base64 μ-law 8 kHz per track, with a timestamp), `dtmf`, `mark`,
 * `stop`. The inbound track is the caller, the outbound track the agent; both tracks make a
 * stereo call aligned by Twilio's timestamps.
 */
export class TwilioConnection extends WsLegConnection {
  private tracks: string[] = [];

  constructor(
    socket: WebSocket,
    private readonly options: TwilioOptions,
  ) {
    super(socket, options.logger, 'twilio');
  }

  protected async onText(text: string): Promise<void> {
    let message: {
      event?: unknown;
      start?: StartMessage;
      media?: Record<string, unknown>;
      dtmf?: { digit?: string };
    };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      throw new IngressError('malformed_frame', 'Media Streams messages are JSON text frames');
    }
    switch (message.event) {
      case 'connected':
      case 'mark':
        return;
      case 'start':
        return this.onStart(message.start ?? {});
      case 'media':
        return this.onMedia(message.media ?? {});
      case 'dtmf':
        this.logger.info({ case_id: this.leg?.caseId, digit: message.dtmf?.digit }, 'twilio: DTMF');
        return;
      case 'stop':
        await this.hangUp('stop');
        this.socket.close(1000, 'stream stopped');
        return;
      default:
        throw new IngressError(
          'malformed_frame',
          `unknown Media Streams event ${JSON.stringify(message.event ?? null)}`,
        );
    }
  }

  protected onBinary(): void {
    throw new IngressError('malformed_frame', 'Media Streams sends no binary frames');
  }

  /** Twilio reads nothing from a unidirectional stream: a refusal closes it with the code as reason. */
  protected tell(code: IngressErrorCode, message: string): void {
    this.logger.debug({ code, message }, 'twilio: refusal');
  }

  private async onStart(start: StartMessage): Promise<void> {
    if (this.leg) throw new IngressError('protocol_error', 'a second start on one stream');
    const { config, legs } = this.options;
    const params = start.customParameters ?? {};
    const principal =
      this.options.signed ?? (await ingressPrincipal(this.options.checkToken, params.token ?? null));
    if (!principal) {
      return this.refuse(
        new IngressError(
          'unauthorized',
          'no valid X-Twilio-Signature and no ingress token in the "token" parameter',
        ),
        true,
      );
    }
    const format = start.mediaFormat ?? {};
    if (
      (format.encoding !== undefined && format.encoding !== 'audio/x-mulaw') ||
      (format.sampleRate !== undefined && format.sampleRate !== 8000) ||
      !config.ingress.codecs.includes('PCMU')
    ) {
      throw new IngressError(
        'unsupported_codec',
        `media format ${JSON.stringify(format)}: audio/x-mulaw 8000 only`,
      );
    }
    this.tracks = start.tracks?.length ? start.tracks : ['inbound'];
    const both = this.tracks.includes('inbound') && this.tracks.includes('outbound');
    this.leg = await legs.open({
      protocol: 'twilio',
      callId: start.callSid ?? start.streamSid ?? 'unknown',
      caseId: params[config.ingress.caseField],
      agentId: params[config.ingress.agentField],
      agentExtension: params.extension,
      speakers: both ? ['caller', 'agent'] : this.tracks[0] === 'outbound' ? ['agent'] : ['caller'],
      sampleRate: 8000,
      principal,
    });
  }

  private onMedia(media: Record<string, unknown>): void {
    const leg = this.leg;
    if (!leg) throw new IngressError('protocol_error', 'media before start');
    if (typeof media.payload !== 'string')
      throw new IngressError('malformed_frame', 'media without a payload');
    const track = media.track === 'outbound' ? 'outbound' : 'inbound';
    const channel = this.tracks.length === 2 ? (track === 'inbound' ? 0 : 1) : 0;
    const timestamp = Number(media.timestamp);
    const pcm = decodeToPcm16(Buffer.from(media.payload, 'base64'), 'mulaw', 1);
    // Twilio's timestamp (ms since the stream began) places each track's chunk on the call's timeline.
    leg.push(channel, pcm, Number.isFinite(timestamp) ? Math.round(timestamp * 8) : undefined);
  }
}
