import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from '../config/index.js';
import { decodeToPcm16 } from '../audio/index.js';
import type { CallLeg } from './call-leg.js';
import type { PeerAllowList } from './peer-access.js';

/** The wire codecs of RTP streams (SIP and ExternalMedia). */
export type RtpCodec = 'PCMU' | 'PCMA' | 'L16';

/** What a payload type carries on one stream (from SDP, or the format an ExternalMedia leg asked for). */
export type PayloadKind = { codec: RtpCodec; rate: number } | { codec: 'telephone-event' } | { codec: 'CN' };

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  payload: Uint8Array;
}

/** RFC 3550 fixed header, CSRCs, header extension and padding. Null for anything that is not RTP v2. */
export function parseRtp(bytes: Uint8Array): RtpPacket | null {
  if (bytes.length < 12 || bytes[0]! >> 6 !== 2) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const padding = (bytes[0]! & 0x20) !== 0;
  const extension = (bytes[0]! & 0x10) !== 0;
  let offset = 12 + (bytes[0]! & 0x0f) * 4;
  if (extension) {
    if (bytes.length < offset + 4) return null;
    offset += 4 + view.getUint16(offset + 2) * 4;
  }
  let end = bytes.length;
  if (padding) end -= bytes[bytes.length - 1]!;
  if (end < offset) return null;
  return {
    marker: (bytes[1]! & 0x80) !== 0,
    payloadType: bytes[1]! & 0x7f,
    sequence: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    payload: bytes.subarray(offset, end),
  };
}

/** Builds an RTP v2 packet (test peers and the ExternalMedia/SIP test clients). */
export function buildRtp(p: Omit<RtpPacket, 'marker'> & { marker?: boolean }): Uint8Array {
  const out = new Uint8Array(12 + p.payload.length);
  const view = new DataView(out.buffer);
  out[0] = 0x80;
  out[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  view.setUint16(2, p.sequence & 0xffff);
  view.setUint32(4, p.timestamp >>> 0);
  view.setUint32(8, p.ssrc >>> 0);
  out.set(p.payload, 12);
  return out;
}

/** RTP payload → PCM16 at the codec's rate. L16 is big-endian on the wire (RFC 3551). */
export function decodePayload(codec: RtpCodec, payload: Uint8Array): Int16Array {
  switch (codec) {
    case 'PCMU':
      return decodeToPcm16(payload, 'mulaw', 1);
    case 'PCMA':
      return decodeToPcm16(payload, 'alaw', 1);
    case 'L16': {
      const out = new Int16Array(payload.length >> 1);
      const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
      for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, false);
      return out;
    }
  }
}

interface Buffered {
  seq: number;
  timestamp: number;
  /** Null: a packet that carries no audio (DTMF, comfort noise) but holds its place in the sequence. */
  samples: Int16Array | null;
}

export interface JitterStats {
  received: number;
  lost: number;
  late: number;
  duplicates: number;
}

/**
 * Puts one SSRC's packets back in sequence order. A packet waits for a missing predecessor until
 * the newest packet is `depth` samples ahead of it, then the gap is given up (concealed as silence
 * by the timeline, which places audio by RTP timestamp). Late and duplicate packets are dropped.
 */
export class JitterBuffer {
  private readonly waiting = new Map<number, Buffered>();
  private next: number | null = null;
  private highest = -1;
  private newestTs = 0;
  readonly stats: JitterStats = { received: 0, lost: 0, late: 0, duplicates: 0 };

  constructor(private readonly depth: number) {}

  /** Returns the packets now ready, in sequence order. */
  push(seq16: number, timestamp: number, samples: Int16Array | null): Buffered[] {
    this.stats.received++;
    const seq = this.extend(seq16);
    if (this.next === null) this.next = seq;
    if (seq < this.next) {
      this.stats.late++;
      return [];
    }
    if (this.waiting.has(seq)) {
      this.stats.duplicates++;
      return [];
    }
    this.waiting.set(seq, { seq, timestamp, samples });
    if (seq === this.highest) this.newestTs = timestamp;
    return this.release(false);
  }

  /** Everything still waiting, in order (end of the stream). */
  flush(): Buffered[] {
    return this.release(true);
  }

  /** 16-bit sequence numbers → a number that keeps growing across wrap-arounds. */
  private extend(seq16: number): number {
    if (this.highest < 0) {
      this.highest = seq16;
      return seq16;
    }
    const cycle = this.highest - (this.highest & 0xffff);
    let seq = cycle + seq16;
    if (seq - this.highest > 0x8000) seq -= 0x10000;
    else if (this.highest - seq > 0x8000) seq += 0x10000;
    if (seq > this.highest) this.highest = seq;
    return seq;
  }

  private release(all: boolean): Buffered[] {
    const out: Buffered[] = [];
    while (this.waiting.size > 0 && this.next !== null) {
      const packet = this.waiting.get(this.next);
      if (packet) {
        this.waiting.delete(this.next);
        out.push(packet);
        this.next++;
        continue;
      }
      const oldest = Math.min(...this.waiting.keys());
      const waited = (this.newestTs - (this.waiting.get(oldest) as Buffered).timestamp) >>> 0;
      if (!all && waited < this.depth && this.waiting.size < 64) break;
      this.stats.lost += oldest - this.next;
      this.next = oldest;
    }
    return out;
  }
}

/** A timestamp this far from where the wall clock says the stream is starts a new timeline. */
const REANCHOR_SECONDS = 2;
/** A stream that (re)starts within this of where its channel ends continues it seamlessly. */
const CONTINUE_SECONDS = 0.2;

/**
 * Places one SSRC's audio on a channel of the call's timeline by RTP timestamp: gaps (loss, DTMF,
 * silence suppression) become silence. Its first packet continues the channel when it arrives on
 * time, and sits at its wall-clock arrival when it comes late (a stream that starts or resumes
 * after a pause, a hold whose timestamps did not advance), so each channel keeps real time.
 */
class TimelinePlacer {
  private baseTs = 0;
  private basePos = 0;
  private anchored = false;

  constructor(
    private readonly leg: CallLeg,
    private readonly channel: number,
    private readonly rate: number,
  ) {}

  place(timestamp: number, samples: Int16Array, now: number): void {
    const wall = this.leg.elapsedSamples(now);
    const end = this.leg.position(this.channel);
    let at = this.basePos + ((timestamp - this.baseTs) | 0);
    if (!this.anchored || Math.abs(at - wall) > REANCHOR_SECONDS * this.rate) {
      this.anchored = true;
      this.baseTs = timestamp;
      this.basePos = wall - end > CONTINUE_SECONDS * this.rate ? wall : end;
      at = this.basePos;
    }
    this.leg.push(this.channel, samples, at);
  }
}

export interface RtpStreamStats extends JitterStats {
  ssrcChanges: number;
  dtmf: string[];
  malformed: number;
  refused: number;
}

export interface RtpStreamOptions {
  leg: CallLeg;
  channel: number;
  payloads: ReadonlyMap<number, PayloadKind>;
  allow: PeerAllowList;
  logger: Logger;
  /** Jitter buffer depth. */
  depthMs?: number;
  now?: () => number;
}

/**
 * One RTP stream into one channel of a call: a UDP port of its own, a jitter buffer per SSRC
 * (a new SSRC continues the channel where the old one stopped), G.711/L16 decoding, RFC 4733
 * telephone-events logged. Packets from peers outside the allow-list are dropped.
 */
export class RtpStream {
  readonly stats: RtpStreamStats = {
    received: 0,
    lost: 0,
    late: 0,
    duplicates: 0,
    ssrcChanges: 0,
    dtmf: [],
    malformed: 0,
    refused: 0,
  };
  lastPacketAt: number;
  private ssrc: number | null = null;
  private jitter: JitterBuffer | null = null;
  private placer: TimelinePlacer | null = null;
  private lastDtmfTs: number | null = null;
  private payloads: ReadonlyMap<number, PayloadKind>;
  private readonly now: () => number;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    readonly port: number,
    private readonly options: RtpStreamOptions,
  ) {
    this.payloads = options.payloads;
    this.now = options.now ?? Date.now;
    this.lastPacketAt = this.now();
    socket.on('message', (bytes, from) => this.onPacket(bytes, from.address));
    socket.on('error', (err) =>
      options.logger.warn({ err, case_id: options.leg.caseId, port }, 'rtp: socket error'),
    );
  }

  /** A re-INVITE may renegotiate payload types. */
  renegotiate(payloads: ReadonlyMap<number, PayloadKind>): void {
    this.payloads = payloads;
  }

  /** Releases what the jitter buffer still holds and frees the port. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.drain(this.jitter?.flush() ?? []);
    this.collect();
    this.socket.close();
  }

  private onPacket(bytes: Buffer, address: string): void {
    if (!this.options.allow.allows(address)) {
      this.stats.refused++;
      return;
    }
    const packet = parseRtp(bytes);
    const kind = packet ? this.payloads.get(packet.payloadType) : undefined;
    if (!packet || !kind) {
      // RTCP multiplexed on the port, a payload type never negotiated, or noise: ignored.
      this.stats.malformed++;
      return;
    }
    this.lastPacketAt = this.now();
    if (packet.ssrc !== this.ssrc) this.switchSsrc(packet.ssrc, kind);
    let samples: Int16Array | null = null;
    if (kind.codec === 'telephone-event') this.onDtmf(packet);
    else if (kind.codec !== 'CN') samples = decodePayload(kind.codec, packet.payload);
    this.drain((this.jitter as JitterBuffer).push(packet.sequence, packet.timestamp, samples));
  }

  private switchSsrc(ssrc: number, kind: PayloadKind): void {
    if (this.ssrc !== null) {
      this.stats.ssrcChanges++;
      this.drain(this.jitter?.flush() ?? []);
      this.collect();
      this.options.logger.info(
        { case_id: this.options.leg.caseId, channel: this.options.channel, ssrc },
        'rtp: new SSRC on the stream',
      );
    }
    const rate = 'rate' in kind ? kind.rate : this.options.leg.spec.sampleRate;
    this.ssrc = ssrc;
    this.jitter = new JitterBuffer(((this.options.depthMs ?? 60) * rate) / 1000);
    this.placer = new TimelinePlacer(this.options.leg, this.options.channel, rate);
  }

  private drain(packets: Buffered[]): void {
    const now = this.now();
    for (const packet of packets) {
      if (packet.samples) this.placer?.place(packet.timestamp, packet.samples, now);
    }
  }

  /** Folds a finished SSRC's counters into the stream's. */
  private collect(): void {
    const stats = this.jitter?.stats;
    if (!stats) return;
    this.stats.received += stats.received;
    this.stats.lost += stats.lost;
    this.stats.late += stats.late;
    this.stats.duplicates += stats.duplicates;
    this.jitter = null;
  }

  /** RFC 4733: one digit is several packets of one timestamp; the first one counts. */
  private onDtmf(packet: RtpPacket): void {
    if (packet.payload.length < 4 || packet.timestamp === this.lastDtmfTs) return;
    this.lastDtmfTs = packet.timestamp;
    const event = packet.payload[0] as number;
    const digit =
      event < 10 ? String(event) : (['*', '#', 'A', 'B', 'C', 'D'][event - 10] ?? `event-${event}`);
    this.stats.dtmf.push(digit);
    this.options.logger.info({ case_id: this.options.leg.caseId, digit }, 'rtp: DTMF');
  }
}

/** Hands out UDP ports of `HOTLINE_RTP_PORTS` (even ports, RTP convention), skipping ports in use. */
export class RtpPortPool {
  private readonly first: number;
  private readonly last: number;
  private cursor: number;

  constructor(
    range: string,
    private readonly host: string,
  ) {
    const [first = 0, last = 0] = range.split('-').map((n) => Number.parseInt(n, 10));
    if (!(first > 0 && last >= first && last <= 65535))
      throw new Error(`HOTLINE_RTP_PORTS: ${range} is not a port range`);
    this.first = first + (first % 2);
    this.last = last;
    this.cursor = this.first;
  }

  /** Binds the next free port; throws when the whole range is taken. */
  async bind(): Promise<{ socket: Socket; port: number }> {
    const span = Math.floor((this.last - this.first) / 2) + 1;
    for (let tries = 0; tries < span; tries++) {
      const port = this.cursor;
      this.cursor = port + 2 > this.last ? this.first : port + 2;
      const socket = createSocket(this.host.includes(':') ? 'udp6' : 'udp4');
      const bound = await new Promise<boolean>((resolve) => {
        socket.once('error', () => resolve(false));
        socket.bind(port, this.host, () => resolve(true));
      });
      if (bound) return { socket, port };
      socket.close();
    }
    throw new Error(`no free RTP port in ${this.first}-${this.last}`);
  }
}
