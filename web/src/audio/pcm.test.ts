import { describe, expect, it } from 'vitest';
import { floatToPcm16, samplesDue } from './pcm.js';

describe('floatToPcm16', () => {
  it('interleaves stereo as caller left, agent right, and clips out-of-range samples', () => {
    const left = Float32Array.from([0, 1, -1, 2]);
    const right = Float32Array.from([0.5, -0.5, 0, -2]);
    expect(Array.from(floatToPcm16([left, right]))).toEqual([
      0, 16384, 32767, -16384, -32768, 0, 32767, -32768,
    ]);
  });
});

describe('samplesDue', () => {
  it('paces a 16 kHz stream to the wall clock and stops at the end', () => {
    expect(samplesDue(0, 16000, 1, 64000)).toBe(0);
    expect(samplesDue(100, 16000, 1, 64000)).toBe(1600);
    expect(samplesDue(100, 16000, 2, 64000)).toBe(3200);
    expect(samplesDue(10_000, 16000, 1, 64000)).toBe(64000);
  });
});
