/**
 * Test peers written from the public protocol descriptions (docs/telephony.md links them): what
 * Asterisk's AudioSocket, FreeSWITCH's mod_audio_fork, Twilio Media Streams and Genesys AudioHook
 * send. They drive the product in tests exactly as those systems would.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { encodeFromPcm16, interleave } from '../../audio/index.js';
import { audioSocketFrame, AudioSocketKind } from '../audiosocket.js';
import { signAudiohookRequest } from '../audiohook-signature.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asterisk's side of `AudioSocket(uuid,host:port)`. */
export class AudioSocketPeer {
  readonly uuid = randomUUID();
  /** Bytes the product sent (a hang-up frame when it ends the call). */
  received = Buffer.alloc(0);
  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => (this.received = Buffer.concat([this.received, chunk])));
  }

  static async connect(port: number): Promise<AudioSocketPeer> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new AudioSocketPeer(socket);
  }

  sendUuid(): void {
    this.socket.write(
      audioSocketFrame(AudioSocketKind.uuid, Buffer.from(this.uuid.replace(/-/g, ''), 'hex')),
    );
  }

  /** slin frames of 20 ms (Asterisk's framing), optionally paced in real time. */
  async sendAudio(pcm: Int16Array, rate: 8000 | 16000 = 8000, paceMs = 0): Promise<void> {
    const kind = rate === 8000 ? AudioSocketKind.slin8k : AudioSocketKind.slin16k;
    const bytes = encodeFromPcm16(pcm, 'pcm_s16le');
    const frame = (rate / 50) * 2;
    for (let i = 0; i < bytes.length; i += frame) {
      this.socket.write(audioSocketFrame(kind, bytes.subarray(i, i + frame)));
      if (paceMs > 0) await pause(paceMs);
      else if ((i / frame) % 50 === 0) await new Promise((r) => setImmediate(r));
    }
  }

  raw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The hang-up frame, then waits for the product to close. */
  async hangUp(): Promise<void> {
    this.socket.write(audioSocketFrame(AudioSocketKind.hangup));
    await this.closed();
  }

  closed(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A WebSocket peer that records what the product says back. */
class WsPeer {
  readonly received: Array<Record<string, unknown>> = [];
  closeCode: number | null = null;
  closeReason = '';
  protected constructor(readonly socket: WebSocket) {
    socket.on('message', (data, binary) => {
      if (!binary) this.received.push(JSON.parse(String(data)) as Record<string, unknown>);
    });
    socket.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
    });
  }

  /** Opens the socket; rejects with the HTTP status when the upgrade is refused. */
  protected static async open(
    url: string,
    options: WebSocket.ClientOptions,
    protocols?: string,
  ): Promise<WebSocket> {
    const socket = protocols ? new WebSocket(url, protocols, options) : new WebSocket(url, options);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused: ${res.statusCode}`)),
      );
      socket.once('error', reject);
    });
    return socket;
  }

  send(message: object): void {
    this.socket.send(JSON.stringify(message));
  }

  async waitFor(
    match: (m: Record<string, unknown>) => boolean,
    timeoutMs = 10_000,
  ): Promise<Record<string, unknown>> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(match);
      if (found) return found;
      if (Date.now() > until)
        throw new Error(`no such message; got ${JSON.stringify(this.received).slice(0, 400)}`);
      await pause(20);
    }
  }

  closed(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  terminate(): void {
    this.socket.terminate();
  }
}

/** FreeSWITCH `uuid_audio_fork <uuid> start <url> <mix> <rate> <metadata>` (sub-protocol audio.drachtio.org). */
export class AudioForkPeer extends WsPeer {
  static async connect(
    url: string,
    auth: { basic?: [string, string]; bearer?: string } = {},
  ): Promise<AudioForkPeer> {
    const headers: Record<string, string> = {};
    if (auth.basic) headers.authorization = `Basic ${Buffer.from(auth.basic.join(':')).toString('base64')}`;
    if (auth.bearer) headers.authorization = `Bearer ${auth.bearer}`;
    return new AudioForkPeer(await WsPeer.open(url, { headers }, 'audio.drachtio.org'));
  }

  metadata(value: object | string): void {
    this.socket.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  /** L16 frames of 20 ms; stereo interleaves caller (left) and callee (right). */
  async sendAudio(channels: Int16Array[], rate: 8000 | 16000): Promise<void> {
    const bytes = encodeFromPcm16(interleave(channels), 'pcm_s16le');
    const frame = (rate / 50) * 2 * channels.length;
    for (let i = 0; i < bytes.length; i += frame) {
      this.socket.send(bytes.subarray(i, i + frame), { binary: true });
      if ((i / frame) % 50 === 0) await new Promise((r) => setImmediate(r));
    }
  }

  /** `uuid_audio_fork <uuid> stop`: the module closes the socket. */
  async stop(): Promise<void> {
    this.socket.close(1000);
    await this.closed();
  }
}

/** Twilio's side of `<Start><Stream url>` / `<Connect><Stream>`. */
export class TwilioPeer extends WsPeer {
  private sequence = 0;
  readonly streamSid = `MZ${randomBytes(16).toString('hex')}`;
  readonly callSid = `CA${randomBytes(16).toString('hex')}`;

  static async connect(url: string, signature?: string): Promise<TwilioPeer> {
    return new TwilioPeer(
      await WsPeer.open(url, { headers: signature ? { 'x-twilio-signature': signature } : {} }),
    );
  }

  private next(): string {
    return String(++this.sequence);
  }

  start(tracks: Array<'inbound' | 'outbound'>, customParameters: Record<string, string>): void {
    this.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    this.send({
      event: 'start',
      sequenceNumber: this.next(),
      start: {
        accountSid: `AC${'0'.repeat(32)}`,
        streamSid: this.streamSid,
        callSid: this.callSid,
        tracks,
        customParameters,
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
      streamSid: this.streamSid,
    });
  }

  /** 20 ms μ-law chunks per track, interleaved in time as Twilio sends them. */
  async sendAudio(tracks: Partial<Record<'inbound' | 'outbound', Int16Array>>): Promise<void> {
    const coded = Object.entries(tracks).map(([track, pcm]) => ({
      track,
      bytes: encodeFromPcm16(pcm, 'mulaw'),
    }));
    const longest = Math.max(...coded.map((c) => c.bytes.length));
    for (let offset = 0, chunk = 1; offset < longest; offset += 160, chunk++) {
      for (const { track, bytes } of coded) {
        if (offset >= bytes.length) continue;
        this.send({
          event: 'media',
          sequenceNumber: this.next(),
          media: {
            track,
            chunk: String(chunk),
            timestamp: String(offset / 8),
            payload: Buffer.from(bytes.subarray(offset, offset + 160)).toString('base64'),
          },
          streamSid: this.streamSid,
        });
      }
      if (chunk % 50 === 0) await new Promise((r) => setImmediate(r));
    }
  }

  stop(): void {
    this.send({
      event: 'stop',
      sequenceNumber: this.next(),
      stop: { accountSid: `AC${'0'.repeat(32)}`, callSid: this.callSid },
      streamSid: this.streamSid,
    });
  }
}

/** Genesys Cloud's AudioHook client (protocol version 2). */
export class AudiohookPeer extends WsPeer {
  private seq = 0;
  readonly sessionId = randomUUID();
  private positionS = 0;

  static async connect(
    url: string,
    apiKey: string,
    secret?: string,
    tamper?: (headers: Record<string, string>) => void,
  ): Promise<AudiohookPeer> {
    const parsed = new URL(url);
    const headers: Record<string, string> = {
      'x-api-key': apiKey,
      'audiohook-organization-id': randomUUID(),
      'audiohook-correlation-id': randomUUID(),
      'audiohook-session-id': randomUUID(),
    };
    if (secret) {
      Object.assign(
        headers,
        signAudiohookRequest(
          { target: `${parsed.pathname}${parsed.search}`, headers: { ...headers, host: parsed.host } },
          apiKey,
          secret,
          Math.floor(Date.now() / 1000),
          randomBytes(16).toString('base64url'),
        ),
      );
    }
    tamper?.(headers);
    return new AudiohookPeer(await WsPeer.open(url, { headers }));
  }

  private message(type: string, parameters: object): void {
    this.send({
      version: '2',
      type,
      seq: ++this.seq,
      serverseq: this.received.length,
      id: this.sessionId,
      position: `PT${this.positionS.toFixed(2)}S`,
      parameters,
    });
  }

  open(media: object[], customConfig: Record<string, string> = {}): void {
    this.message('open', {
      organizationId: randomUUID(),
      conversationId: randomUUID(),
      participant: { id: randomUUID(), ani: '+886912345678', aniName: '市民', dnis: '+8861999' },
      media,
      language: 'zh-TW',
      customConfig,
    });
  }

  /** PCMU frames of 100 ms; stereo is external (caller) then internal (agent). */
  async sendAudio(channels: Int16Array[]): Promise<void> {
    const bytes = encodeFromPcm16(interleave(channels), 'mulaw');
    const frame = 800 * channels.length;
    for (let i = 0; i < bytes.length; i += frame) {
      this.socket.send(bytes.subarray(i, i + frame), { binary: true });
      this.positionS += Math.min(frame, bytes.length - i) / channels.length / 8000;
      if ((i / frame) % 20 === 0) await new Promise((r) => setImmediate(r));
    }
  }

  ping(): void {
    this.message('ping', {});
  }

  paused(): void {
    this.message('paused', {});
  }

  /** Resumed after a pause whose audio (`discardedS`) was never sent. */
  resumed(discardedS: number): void {
    this.message('resumed', {
      start: `PT${this.positionS.toFixed(2)}S`,
      discarded: `PT${discardedS.toFixed(2)}S`,
    });
    this.positionS += discardedS;
  }

  close(): void {
    this.message('close', { reason: 'end' });
  }
}
