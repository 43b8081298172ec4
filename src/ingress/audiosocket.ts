import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../config/index.js';
import type { CallLeg, CallLegs } from './call-leg.js';
import { IngressError } from './ingress-error.js';
import { peerPrincipal, type PeerAllowList } from './peer-access.js';
import { pcm16le } from './ws-leg.js';

/** AudioSocket frame kinds (Asterisk's app_audiosocket / res_audiosocket). */
export const AudioSocketKind = {
  hangup: 0x00,
  uuid: 0x01,
  dtmf: 0x03,
  slin8k: 0x10,
  slin16k: 0x12,
  error: 0xff,
} as const;

/** slin frame kinds at other rates (12, 24, 32, 44.1, 48, 96, 192 kHz) that the product does not take. */
const OTHER_SLIN = new Set([0x11, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18]);

/** One frame on the wire: kind, 16-bit big-endian length, payload. */
export function audioSocketFrame(kind: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const out = Buffer.alloc(3 + payload.length);
  out[0] = kind;
  out.writeUInt16BE(payload.length, 1);
  out.set(payload, 3);
  return out;
}

/** 16 bytes → `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`. */
function uuidString(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface AudioSocketOptions {
  legs: CallLegs;
  allow: PeerAllowList;
  logger: Logger;
  host: string;
}

/**
 * Asterisk AudioSocket (`AudioSocket(uuid,host:port)` in the dialplan, or the AudioSocket channel
 * driver): a TCP connection per call carrying frames of kind + length + payload. The UUID frame
 * names the call (case id `audiosocket-<uuid>`), slin frames carry 8 or 16 kHz audio, a hang-up
 * frame or the connection closing ends it. The protocol has no credentials: peers are admitted
 * by HOTLINE_INGRESS_ALLOW_FROM.
 */
export class AudioSocketServer {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly options: AudioSocketOptions,
  ) {
    server.on('connection', (socket) => this.accept(socket));
  }

  static async start(port: number, options: AudioSocketOptions): Promise<AudioSocketServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, options.host, () => resolve());
    });
    const address = server.address();
    return new AudioSocketServer(
      server,
      typeof address === 'object' && address ? address.port : port,
      options,
    );
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) {
      // Asterisk hangs up its side when it reads the hang-up frame.
      socket.end(audioSocketFrame(AudioSocketKind.hangup));
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const { allow, logger } = this.options;
    const address = socket.remoteAddress ?? '';
    if (!allow.allows(address)) {
      logger.warn(
        { code: 'forbidden_peer', peer: address },
        'audiosocket: peer not in HOTLINE_INGRESS_ALLOW_FROM',
      );
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    new AudioSocketCall(socket, address, this.options).run();
    socket.on('close', () => this.sockets.delete(socket));
  }
}

class AudioSocketCall {
  private buffer: Buffer = Buffer.alloc(0);
  private uuid: string | null = null;
  private leg: CallLeg | null = null;
  private rate: 8000 | 16000 | null = null;
  /** Frames are handled in order; opening the call is asynchronous. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Socket,
    private readonly address: string,
    private readonly options: AudioSocketOptions,
  ) {}

  run(): void {
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      while (this.buffer.length >= 3) {
        const length = this.buffer.readUInt16BE(1);
        if (this.buffer.length < 3 + length) break;
        const kind = this.buffer[0] as number;
        const payload = this.buffer.subarray(3, 3 + length);
        this.buffer = this.buffer.subarray(3 + length);
        this.queue = this.queue
          .then(() => this.onFrame(kind, payload))
          .catch((err: unknown) => this.failed(err));
      }
    });
    this.socket.on('close', () => {
      this.queue = this.queue.then(() => this.end('connection closed'));
    });
    this.socket.on('error', () => this.socket.destroy());
  }

  private async onFrame(kind: number, payload: Buffer): Promise<void> {
    const { logger } = this.options;
    switch (kind) {
      case AudioSocketKind.uuid:
        if (payload.length !== 16)
          throw new IngressError('malformed_frame', `UUID frame of ${payload.length} bytes`);
        if (this.uuid) throw new IngressError('protocol_error', 'a second UUID frame');
        this.uuid = uuidString(payload);
        this.options.legs.checkCapacity();
        return;
      case AudioSocketKind.slin8k:
      case AudioSocketKind.slin16k:
        return this.onAudio(kind === AudioSocketKind.slin8k ? 8000 : 16000, payload);
      case AudioSocketKind.dtmf:
        logger.info({ case_id: this.leg?.caseId, digit: payload.toString('latin1') }, 'audiosocket: DTMF');
        return;
      case AudioSocketKind.hangup:
        await this.end('hang-up frame');
        this.socket.end();
        return;
      case AudioSocketKind.error:
        logger.warn(
          { case_id: this.leg?.caseId, error: payload.toString('hex') },
          'audiosocket: Asterisk reported an error',
        );
        return;
      default:
        if (OTHER_SLIN.has(kind))
          throw new IngressError(
            'unsupported_codec',
            `slin frame kind 0x${kind.toString(16)}: 8 or 16 kHz only`,
          );
        throw new IngressError('malformed_frame', `unknown frame kind 0x${kind.toString(16)}`);
    }
  }

  private async onAudio(rate: 8000 | 16000, payload: Buffer): Promise<void> {
    if (!this.uuid) throw new IngressError('protocol_error', 'audio before the UUID frame');
    if (payload.length % 2 !== 0)
      throw new IngressError('malformed_frame', `${payload.length} bytes of slin is half a sample`);
    if (!this.leg) {
      this.rate = rate;
      this.leg = await this.options.legs.open({
        protocol: 'audiosocket',
        callId: this.uuid,
        speakers: ['caller'],
        sampleRate: rate,
        principal: peerPrincipal('audiosocket', this.address),
      });
    } else if (rate !== this.rate) {
      throw new IngressError('malformed_frame', `${rate} Hz audio in a ${this.rate ?? 0} Hz call`);
    }
    this.leg.push(0, pcm16le(payload));
  }

  private async end(why: string): Promise<void> {
    const leg = this.leg;
    this.leg = null;
    if (leg) {
      this.options.logger.info({ case_id: leg.caseId, why }, 'audiosocket: call ended');
      await leg.end();
    }
  }

  /** Refusals before the call started close the connection; later ones drop the frame and go on. */
  private async failed(err: unknown): Promise<void> {
    const code = err instanceof IngressError ? err.code : 'internal';
    this.options.logger.warn(
      { code, case_id: this.leg?.caseId ?? null, reason: (err as Error).message },
      'audiosocket: frame refused',
    );
    if (!this.leg || !(err instanceof IngressError)) {
      await this.end(code);
      this.socket.end(audioSocketFrame(AudioSocketKind.hangup));
    }
  }
}
