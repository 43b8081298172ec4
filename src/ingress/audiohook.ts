import type { WebSocket } from 'ws';
import type { Config, Logger } from '../config/index.js';
import { decodeToPcm16 } from '../audio/index.js';
import type { Principal, Speaker } from '../protocol/index.js';
import type { CallLegs } from './call-leg.js';
import { IngressError, type IngressErrorCode } from './ingress-error.js';
import { pcm16le, WsLegConnection } from './ws-leg.js';

interface MediaOffer {
  type?: string;
  format?: string;
  channels?: string[];
  rate?: number;
}

interface ClientMessage {
  version?: string;
  type?: string;
  seq?: number;
  id?: string;
  position?: string;
  parameters?: Record<string, unknown>;
}

/** `PT12.5S` → seconds. */
function seconds(duration: unknown): number {
  const match = typeof duration === 'string' ? /^PT(\d+(?:\.\d+)?)S$/.exec(duration) : null;
  return match ? Number(match[1]) : 0;
}

const SPEAKER: Record<string, Speaker> = { external: 'caller', internal: 'agent' };

export interface AudiohookOptions {
  legs: CallLegs;
  config: Config;
  logger: Logger;
  principal: Principal;
}

/**
 * Genesys Cloud AudioHook (protocol version 2) on `WS /ingress/audiohook`: `open` → `opened`
 * (the product picks PCMU stereo, external = caller, internal = agent), binary audio frames,
 * `paused`/`resumed` and `discarded` (their gaps become silence, keeping the timeline),
 * `ping` → `pong`, `update` → `updated`, `close` → `closed`. Refusals are a `disconnect`.
 */
export class AudiohookConnection extends WsLegConnection {
  private serverSeq = 0;
  private clientSeq = 0;
  private sessionId = '';
  /** Wire channel → leg channel (caller 0, agent 1). */
  private order: number[] = [];
  private codec: 'PCMU' | 'L16' = 'PCMU';
  private closed = false;

  constructor(
    socket: WebSocket,
    private readonly options: AudiohookOptions,
  ) {
    super(socket, options.logger, 'audiohook');
  }

  protected async onText(text: string): Promise<void> {
    let message: ClientMessage;
    try {
      message = JSON.parse(text) as ClientMessage;
    } catch {
      throw new IngressError('malformed_frame', 'AudioHook messages are JSON text frames');
    }
    if (message.version !== '2' || typeof message.type !== 'string' || typeof message.seq !== 'number') {
      throw new IngressError('malformed_frame', 'a message needs version "2", a type and a seq');
    }
    this.clientSeq = message.seq;
    switch (message.type) {
      case 'open':
        return this.onOpen(message);
      case 'ping':
        return this.reply('pong', {});
      case 'update':
        return this.reply('updated', {});
      case 'paused':
        this.logger.info({ case_id: this.leg?.caseId }, 'audiohook: paused');
        return;
      case 'resumed':
      case 'discarded':
        return this.fillGap(seconds(message.parameters?.discarded));
      case 'error':
        this.logger.warn(
          { case_id: this.leg?.caseId, parameters: message.parameters },
          'audiohook: client error',
        );
        return;
      case 'close':
        await this.hangUp('close');
        this.closed = true;
        this.reply('closed', {});
        return;
      default:
        throw new IngressError('malformed_frame', `unknown AudioHook message type ${message.type}`);
    }
  }

  protected onBinary(bytes: Uint8Array): void {
    const leg = this.leg;
    if (!leg) throw new IngressError('protocol_error', 'audio before the open transaction');
    const width = (this.codec === 'L16' ? 2 : 1) * this.order.length;
    if (bytes.byteLength % width !== 0) {
      throw new IngressError(
        'malformed_frame',
        `${bytes.byteLength} bytes is not whole ${this.order.length}-channel frames`,
      );
    }
    const pcm = this.codec === 'L16' ? pcm16le(bytes) : decodeToPcm16(bytes, 'mulaw', 1);
    const count = this.order.length;
    const frames = pcm.length / count;
    this.order.forEach((channel, wire) => {
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = pcm[i * count + wire] as number;
      leg.push(channel, samples);
    });
  }

  /** AudioHook has `disconnect` for this: reason `error` (or `unauthorized`) and the code as info. */
  protected tell(code: IngressErrorCode, message: string): void {
    if (this.closed) return;
    this.reply('disconnect', {
      reason: code === 'unauthorized' ? 'unauthorized' : 'error',
      info: `${code}: ${message}`,
    });
  }

  private async onOpen(message: ClientMessage): Promise<void> {
    if (this.leg) throw new IngressError('protocol_error', 'a second open on one session');
    const { config, legs, principal } = this.options;
    const parameters = message.parameters ?? {};
    this.sessionId = message.id ?? '';
    const offers = Array.isArray(parameters.media) ? (parameters.media as MediaOffer[]) : [];
    const acceptable = offers.filter(
      (m) =>
        m.type === 'audio' &&
        m.rate === 8000 &&
        (m.format === 'PCMU' || m.format === 'L16') &&
        config.ingress.codecs.includes(m.format) &&
        Array.isArray(m.channels) &&
        m.channels.length > 0 &&
        m.channels.every((c) => c in SPEAKER),
    );
    // Both parties in one stream beats one party.
    const chosen = acceptable.find((m) => m.channels?.length === 2) ?? acceptable[0];
    if (!chosen) {
      throw new IngressError(
        'unsupported_codec',
        `no offered media is ${config.ingress.codecs.join('/')} at 8 kHz`,
      );
    }
    const wire = chosen.channels as string[];
    const speakers: Speaker[] =
      wire.length === 2 ? ['caller', 'agent'] : [SPEAKER[wire[0] as string] as Speaker];
    this.order = wire.length === 2 ? wire.map((c) => (c === 'external' ? 0 : 1)) : [0];
    this.codec = chosen.format as 'PCMU' | 'L16';
    const variables = {
      ...(parameters.customConfig as Record<string, unknown> | undefined),
      ...(parameters.inputVariables as Record<string, unknown> | undefined),
    };
    const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    this.leg = await legs.open({
      protocol: 'audiohook',
      callId: text(parameters.conversationId) ?? this.sessionId,
      caseId: text(variables[config.ingress.caseField]),
      agentId: text(variables[config.ingress.agentField]),
      speakers,
      sampleRate: 8000,
      principal,
    });
    this.reply('opened', { startPaused: false, media: [chosen] });
  }

  /** Audio the client did not send (paused, or discarded under backpressure) is silence on the timeline. */
  private fillGap(discardedS: number): void {
    const leg = this.leg;
    if (!leg || discardedS <= 0) return;
    const samples = Math.round(discardedS * 8000);
    // Targets first: filling one channel can pad the other (the leg's skew limit).
    const targets = this.order.map((_, channel) => leg.position(channel) + samples);
    targets.forEach((at, channel) => leg.push(channel, new Int16Array(0), at));
  }

  private reply(type: string, parameters: Record<string, unknown>): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(
      JSON.stringify({
        version: '2',
        type,
        seq: ++this.serverSeq,
        clientseq: this.clientSeq,
        id: this.sessionId,
        parameters,
      }),
    );
  }
}
