import { encodeFromPcm16 } from '../../audio/index.js';
import { buildRtp } from '../rtp.js';

/** One RTP packet and when (ms from the stream's start) a peer sends it. */
export interface TimedPacket {
  atMs: number;
  bytes: Uint8Array;
}

export interface RtpScriptOptions {
  /** Payload type: 0 PCMU, 8 PCMA. */
  payloadType?: 0 | 8;
  ssrc?: number;
  /** 0-based packet numbers that are never sent (loss). */
  drop?: ReadonlySet<number>;
  /** Packet numbers sent after their successor (reordering). */
  swapWithNext?: ReadonlySet<number>;
  /** Packet numbers sent twice. */
  duplicate?: ReadonlySet<number>;
  /** From this packet on, a new SSRC with a new random sequence and timestamp base. */
  ssrcChangeAt?: number;
  firstSequence?: number;
  firstTimestamp?: number;
  /** RFC 4733: a key press replaces packets `at`…`at+2` with telephone-event packets (PT 101). */
  dtmf?: { at: number; digit: number };
}

/** The packet numbers a DTMF key press takes from the audio. */
export const dtmfPackets = (at: number): number[] => [at, at + 1, at + 2];

/** 8 kHz PCM16 → 20 ms G.711 RTP packets, with the impairments a test asks for. */
export function rtpScript(pcm8k: Int16Array, options: RtpScriptOptions = {}): TimedPacket[] {
  const pt = options.payloadType ?? 0;
  const coded = encodeFromPcm16(pcm8k, pt === 0 ? 'mulaw' : 'alaw');
  const packets: Array<TimedPacket & { n: number }> = [];
  let ssrc = options.ssrc ?? 0x1234abcd;
  let seq = options.firstSequence ?? 65500; // wraps within the first second
  let ts = options.firstTimestamp ?? 4_294_960_000; // wraps too
  for (let n = 0, offset = 0; offset < coded.length; n++, offset += 160) {
    if (n === options.ssrcChangeAt) {
      ssrc = (ssrc ^ 0x5a5a5a5a) >>> 0;
      seq = 1000;
      ts = 123_456;
    }
    const dtmfStep = options.dtmf ? n - options.dtmf.at : -1;
    const event = dtmfStep >= 0 && dtmfStep < 3;
    const bytes = buildRtp({
      payloadType: event ? 101 : pt,
      sequence: seq & 0xffff,
      // Every packet of one key press carries the press's start time and a growing duration.
      timestamp: (event ? ts - dtmfStep * 160 : ts) >>> 0,
      ssrc,
      marker: n === 0 || dtmfStep === 0,
      payload: event
        ? Uint8Array.of(
            options.dtmf?.digit ?? 0,
            dtmfStep === 2 ? 0x8a : 0x0a,
            ((dtmfStep + 1) * 160) >> 8,
            ((dtmfStep + 1) * 160) & 0xff,
          )
        : coded.subarray(offset, offset + 160),
    });
    seq++;
    ts += 160;
    if (options.drop?.has(n)) continue;
    packets.push({ n, atMs: n * 20, bytes });
    if (options.duplicate?.has(n)) packets.push({ n, atMs: n * 20 + 1, bytes });
  }
  for (let i = 0; i < packets.length - 1; i++) {
    const p = packets[i] as TimedPacket & { n: number };
    if (options.swapWithNext?.has(p.n)) {
      const next = packets[i + 1] as TimedPacket & { n: number };
      packets[i] = { ...next, atMs: p.atMs };
      packets[i + 1] = { ...p, atMs: next.atMs };
      i++;
    }
  }
  return packets.map(({ atMs, bytes }) => ({ atMs, bytes }));
}

/** What a peer's audio should look like after the product conceals `drop`ped packets with silence. */
export function withLossConcealed(pcm8k: Int16Array, drop: ReadonlySet<number>): Int16Array {
  const out = Int16Array.from(pcm8k);
  for (const n of drop) out.fill(0, n * 160, Math.min(out.length, n * 160 + 160));
  return out;
}

/**
 * A classic pcap file (Ethernet / IPv4 / UDP) of RTP packets, as `sipp`'s `play_pcap_audio`
 * reads it (sipp rewrites addresses and ports when it plays the file).
 */
export function rtpPcap(packets: readonly TimedPacket[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  const records = packets.map(({ atMs, bytes }) => {
    const udpLength = 8 + bytes.length;
    const frame = Buffer.alloc(14 + 20 + udpLength);
    frame.writeUInt16BE(0x0800, 12); // IPv4
    const ip = 14;
    frame[ip] = 0x45;
    frame.writeUInt16BE(20 + udpLength, ip + 2);
    frame[ip + 8] = 64; // TTL
    frame[ip + 9] = 17; // UDP
    Buffer.from([127, 0, 0, 1]).copy(frame, ip + 12);
    Buffer.from([127, 0, 0, 1]).copy(frame, ip + 16);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += frame.readUInt16BE(ip + i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    frame.writeUInt16BE(~sum & 0xffff, ip + 10);
    const udp = ip + 20;
    frame.writeUInt16BE(6000, udp);
    frame.writeUInt16BE(6000, udp + 2);
    frame.writeUInt16BE(udpLength, udp + 4);
    Buffer.from(bytes).copy(frame, udp + 8);
    const record = Buffer.alloc(16);
    record.writeUInt32LE(1_700_000_000 + Math.floor(atMs / 1000), 0);
    record.writeUInt32LE(Math.round((atMs % 1000) * 1000), 4);
    record.writeUInt32LE(frame.length, 8);
    record.writeUInt32LE(frame.length, 12);
    return Buffer.concat([record, frame]);
  });
  return Buffer.concat([header, ...records]);
}
