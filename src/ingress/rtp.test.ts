import { describe, expect, it } from 'vitest';
import { buildRtp, decodePayload, JitterBuffer, parseRtp } from './rtp.js';

const samples = (n: number) => Int16Array.of(n);

describe('RTP packets', () => {
  it('parse what they build, skip CSRCs, header extensions and padding, refuse non-RTP', () => {
    const packet = buildRtp({
      payloadType: 8,
      sequence: 65535,
      timestamp: 4_294_967_000,
      ssrc: 0xdeadbeef,
      payload: Uint8Array.of(1, 2, 3),
    });
    expect(parseRtp(packet)).toMatchObject({
      payloadType: 8,
      sequence: 65535,
      timestamp: 4_294_967_000,
      ssrc: 0xdeadbeef,
      payload: Uint8Array.of(1, 2, 3),
    });
    // One CSRC, a one-word extension and two bytes of padding around a two-byte payload.
    const fancy = Uint8Array.of(
      0xb1,
      0,
      0,
      1,
      0,
      0,
      0,
      2,
      0,
      0,
      0,
      3,
      9,
      9,
      9,
      9,
      0xbe,
      0xde,
      0,
      1,
      7,
      7,
      7,
      7,
      0xaa,
      0xbb,
      0,
      2,
    );
    expect(parseRtp(fancy)?.payload).toEqual(Uint8Array.of(0xaa, 0xbb));
    expect(parseRtp(Uint8Array.of(0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))).toBeNull();
    expect(parseRtp(Uint8Array.of(0x80, 0))).toBeNull();
  });

  it('L16 is big-endian on the wire', () => {
    expect([...decodePayload('L16', Uint8Array.of(0x01, 0x02, 0xff, 0xfe))]).toEqual([0x0102, -2]);
  });
});

describe('jitter buffer', () => {
  it('puts reordered packets back in order across the 16-bit sequence wrap', () => {
    const jitter = new JitterBuffer(480);
    const out: number[] = [];
    const push = (seq: number) =>
      out.push(...jitter.push(seq, seq * 160, samples(seq)).map((p) => p.seq & 0xffff));
    for (const seq of [65534, 0, 65535, 1, 2]) push(seq);
    expect(out).toEqual([65534, 65535, 0, 1, 2]);
  });

  it('gives up on a missing packet once the newest is the buffer depth ahead, and drops late and duplicate ones', () => {
    const jitter = new JitterBuffer(480); // 60 ms at 8 kHz
    const released: number[] = [];
    const push = (seq: number) =>
      released.push(...jitter.push(seq, seq * 160, samples(seq)).map((p) => p.seq));
    push(10);
    push(12);
    push(13);
    expect(released).toEqual([10]); // 11 may still come
    push(14);
    expect(released).toEqual([10]);
    push(15); // 15 is 480 samples past 12: 11 is lost
    expect(released).toEqual([10, 12, 13, 14, 15]);
    push(11); // too late
    push(17);
    push(17); // a duplicate of a waiting packet
    expect(jitter.stats).toMatchObject({ lost: 1, late: 1, duplicates: 1 });
    expect(jitter.flush().map((p) => p.seq)).toEqual([17]);
  });
});
