import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Config, Logger } from '../config/index.js';
import type { Principal, ServerEvent } from '../protocol/index.js';
import type { CallLegs } from './call-leg.js';
import { IngressError, type IngressErrorCode } from './ingress-error.js';
import { pcm16le, WsLegConnection } from './ws-leg.js';

type Mix = 'mono' | 'mixed' | 'stereo';

/** How the fork was started: `uuid_audio_fork <uuid> start <url> <mix> <rate> <metadata>`. */
interface ForkFormat {
  mix: Mix;
  sampleRate: 8000 | 16000;
}

function forkFormat(source: Record<string, unknown>, fallback: ForkFormat): ForkFormat {
  const rate = String(source.sample_rate ?? source.sampling_rate ?? '').replace(/k$/i, '000');
  const mix = source.mix_type ?? source.mix;
  if (rate !== '' && rate !== '8000' && rate !== '16000') {
    throw new IngressError('unsupported_codec', `sample_rate ${rate}: 8000 (8k) or 16000 (16k) only`);
  }
  if (mix !== undefined && mix !== 'mono' && mix !== 'mixed' && mix !== 'stereo') {
    throw new IngressError('protocol_error', `mix_type ${String(mix)}: mono, mixed or stereo`);
  }
  return {
    mix: (mix as Mix | undefined) ?? fallback.mix,
    sampleRate: rate === '' ? fallback.sampleRate : (Number(rate) as 8000 | 16000),
  };
}

export interface FreeswitchOptions {
  legs: CallLegs;
  config: Config;
  logger: Logger;
  principal: Principal;
  /** Query parameters of the upgrade (`?sample_rate=16000&mix=stereo`). */
  query: Record<string, unknown>;
}

/**
 * FreeSWITCH `mod_audio_fork` / `mod_audio_stream` on `WS /ingress/freeswitch`: a text frame of
 * metadata (JSON), then binary L16 frames (little-endian; stereo = caller left, callee right).
 * Rate and mix come from the metadata (`sample_rate`, `mix_type`) or the URL's query. Finals go
 * back as `{"type":"transcription"}` frames, which mod_audio_fork raises as FreeSWITCH events.
 */
export class FreeswitchConnection extends WsLegConnection {
  private format: ForkFormat | null = null;

  constructor(
    socket: WebSocket,
    private readonly options: FreeswitchOptions,
  ) {
    super(socket, options.logger, 'freeswitch');
  }

  protected async onText(text: string): Promise<void> {
    if (this.leg) {
      // send_text (DTMF…) or the stop's last metadata: kept in the log only.
      this.logger.info({ case_id: this.leg?.caseId, text: text.slice(0, 200) }, 'freeswitch: text frame');
      return;
    }
    let metadata: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      metadata = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    } catch {
      throw new IngressError('malformed_frame', 'the first text frame must be the JSON metadata');
    }
    await this.open(metadata);
  }

  protected async onBinary(bytes: Uint8Array): Promise<void> {
    // No metadata frame: the fork was started without one.
    if (!this.leg) await this.open({});
    const leg = this.leg;
    const format = this.format;
    if (!leg || !format) return;
    const channels = format.mix === 'stereo' ? 2 : 1;
    if (bytes.byteLength % (2 * channels) !== 0) {
      return this.refuse(
        new IngressError(
          'malformed_frame',
          `${bytes.byteLength} bytes is not whole ${channels}-channel L16 frames`,
        ),
        false,
      );
    }
    const pcm = pcm16le(bytes);
    if (channels === 1) return leg.push(0, pcm);
    const left = new Int16Array(pcm.length / 2);
    const right = new Int16Array(pcm.length / 2);
    for (let i = 0; i < left.length; i++) {
      left[i] = pcm[2 * i] as number;
      right[i] = pcm[2 * i + 1] as number;
    }
    leg.push(0, left);
    leg.push(1, right);
  }

  protected tell(code: IngressErrorCode, message: string): void {
    this.send({ type: 'error', data: { code, message } });
  }

  private async open(metadata: Record<string, unknown>): Promise<void> {
    const { config, legs, principal, query } = this.options;
    const format = forkFormat(metadata, forkFormat(query, { mix: 'mono', sampleRate: 8000 }));
    const field = (name: string) =>
      typeof metadata[name] === 'string' ? (metadata[name] as string) : undefined;
    const leg = await legs.open({
      protocol: 'freeswitch',
      callId: field('uuid') ?? field('call_uuid') ?? field('callid') ?? randomUUID(),
      caseId: field(config.ingress.caseField),
      agentId: field(config.ingress.agentField),
      agentExtension: field('extension'),
      // "mixed" is both parties in one channel: the caller's channel carries it.
      speakers: format.mix === 'stereo' ? ['caller', 'agent'] : ['caller'],
      sampleRate: format.sampleRate,
      principal,
    });
    this.format = format;
    this.leg = leg;
    leg.session.log.tap((event) => this.onEvent(event));
  }

  private onEvent(event: ServerEvent): void {
    if (event.type !== 'final') return;
    this.send({
      type: 'transcription',
      data: {
        case_id: event.case_id,
        utterance_id: event.utterance_id,
        speaker: event.speaker,
        text: event.corrected_text,
        start_ms: event.start_ms,
        end_ms: event.end_ms,
      },
    });
  }

  private send(message: object): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(message));
  }
}
