import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { Logger } from '../config/index.js';
import type { Principal } from '../protocol/index.js';
import type { CallLeg } from './call-leg.js';
import { IngressError, type IngressErrorCode } from './ingress-error.js';

/** Checks an API token (the app's auth service); null when it is unknown, expired or revoked. */
export type TokenCheck = (token: string) => Promise<Principal | null>;

/**
 * The token a PBX can send on a WebSocket upgrade: `Authorization: Bearer`, `Authorization:
 * Basic` (the password; mod_audio_fork's MOD_AUDIO_FORK_HTTP_AUTH_*), `X-API-KEY` (AudioHook), or
 * `?token=`.
 */
export function upgradeToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header) {
    const bearer = /^Bearer\s+(\S+)$/i.exec(header);
    if (bearer) return bearer[1] as string;
    const basic = /^Basic\s+(\S+)$/i.exec(header);
    if (basic) {
      const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
      return decoded.slice(decoded.indexOf(':') + 1) || null;
    }
  }
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey) return apiKey;
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.token === 'string' && query.token ? query.token : null;
}

/** An `ingress` principal for this token, or null. Other roles may not send calls. */
export async function ingressPrincipal(check: TokenCheck, token: string | null): Promise<Principal | null> {
  if (!token) return null;
  const principal = await check(token);
  return principal?.role === 'ingress' ? principal : null;
}

/** Refuses a WebSocket upgrade with 401 and the stable code (the peer sees an HTTP error, no socket). */
export function refuseUpgrade(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(401).send({ error: { code: 'unauthorized' satisfies IngressErrorCode, message } });
}

export function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/** Little-endian PCM16 bytes → samples (copied: socket buffers may be unaligned and reused). */
export function pcm16le(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.byteLength >> 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

/**
 * What every WebSocket telephony connection shares: messages handled strictly in order, the leg
 * ended when the peer hangs up or just goes away, refusals logged with their stable code.
 */
export abstract class WsLegConnection {
  protected leg: CallLeg | null = null;
  private inbox: Promise<void> = Promise.resolve();

  constructor(
    protected readonly socket: WebSocket,
    protected readonly logger: Logger,
    protected readonly protocol: string,
  ) {
    socket.on('message', (data, isBinary) => {
      this.inbox = this.inbox
        .then(() =>
          isBinary ? this.onBinary(toBytes(data)) : this.onText(Buffer.from(toBytes(data)).toString('utf8')),
        )
        .catch((err: unknown) => this.failed(err));
    });
    socket.on('close', () => {
      this.inbox = this.inbox.then(() => this.hangUp('connection closed'));
    });
    socket.on('error', () => socket.terminate());
  }

  protected abstract onText(text: string): Promise<void> | void;
  protected abstract onBinary(bytes: Uint8Array): Promise<void> | void;
  /** Tells the peer about a refusal in its protocol's words. */
  protected abstract tell(code: IngressErrorCode, message: string): void;

  /** Ends the call (idempotent); the socket is closed once the last finals are out. */
  protected async hangUp(why: string): Promise<void> {
    const leg = this.leg;
    if (!leg) return;
    this.leg = null;
    this.logger.info({ case_id: leg.caseId, protocol: this.protocol, why }, 'telephony peer hung up');
    await leg.end();
  }

  /** Logs and tells a refusal; a `fatal` one also hangs up and closes the socket. */
  protected async refuse(err: IngressError, fatal: boolean): Promise<void> {
    this.logger.warn(
      { code: err.code, case_id: this.leg?.caseId ?? null, protocol: this.protocol, reason: err.message },
      'telephony frame refused',
    );
    this.tell(err.code, err.message);
    if (fatal) {
      await this.hangUp(err.code);
      this.socket.close(1008, err.code);
    }
  }

  private async failed(err: unknown): Promise<void> {
    if (err instanceof IngressError) return this.refuse(err, !this.leg);
    this.logger.error({ err, protocol: this.protocol }, 'telephony message failed');
    await this.hangUp('internal error');
    this.socket.close(1011, 'internal error');
  }
}
