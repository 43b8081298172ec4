import { readFileSync } from 'node:fs';
import alawmulaw from 'alawmulaw';
import { describe, expect, it } from 'vitest';
import { audioManifest } from '../../test/shared.js';
import {
  AudioFormatError,
  decodeToPcm16,
  encodeFromPcm16,
  pcm16ToFloat32,
  readWav,
  resample,
  splitChannels,
  StreamingResampler,
  writeWav,
  interleave,
} from './index.js';

function tone(freq: number, rate: number, ms: number, amp = 0.5): Float32Array {
  const n = Math.round((rate * ms) / 1000);
  return Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / rate));
}
const rms = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / Math.max(1, x.length));

describe('codecs', () => {
  it('round-trips G.711 μ-law and A-law within the codec quantisation', () => {
    const pcm = Int16Array.from({ length: 800 }, (_, i) => Math.round(8000 * Math.sin(i / 7)));
    for (const format of ['mulaw', 'alaw'] as const) {
      const decoded = decodeToPcm16(encodeFromPcm16(pcm, format), format, 1);
      const maxErr = Math.max(...pcm.map((v, i) => Math.abs(v - (decoded[i] as number))));
      expect(maxErr).toBeLessThan(300);
    }
  });

  it('decodes every G.711 byte exactly as the alawmulaw reference does', () => {
    const all = Uint8Array.from({ length: 256 }, (_, b) => b);
    expect([...decodeToPcm16(all, 'mulaw', 1)]).toEqual([...alawmulaw.mulaw.decode(all)]);
    expect([...decodeToPcm16(all, 'alaw', 1)]).toEqual([...alawmulaw.alaw.decode(all)]);
  });

  it('decodes little-endian PCM16 from an unaligned buffer', () => {
    const bytes = new Uint8Array([0, 0x34, 0x12, 0xff, 0xff]).subarray(1);
    expect([...decodeToPcm16(bytes, 'pcm_s16le', 1)]).toEqual([0x1234, -1]);
  });

  it('rejects an odd number of PCM16 bytes and a half stereo frame with misaligned_audio', () => {
    expect(() => decodeToPcm16(new Uint8Array(3), 'pcm_s16le', 1)).toThrow(AudioFormatError);
    expect(() => decodeToPcm16(new Uint8Array(6), 'pcm_s16le', 2)).toThrowError(/whole number/);
    expect(() => decodeToPcm16(new Uint8Array(3), 'mulaw', 2)).toThrowError(/whole number/);
  });

  it('splits stereo into caller (left) and agent (right)', () => {
    const [left, right] = splitChannels(Int16Array.from([1, -1, 2, -2, 3, -3]), 2);
    expect([...(left as Int16Array)]).toEqual([1, 2, 3]);
    expect([...(right as Int16Array)]).toEqual([-1, -2, -3]);
    expect([...interleave([left as Int16Array, right as Int16Array])]).toEqual([1, -1, 2, -2, 3, -3]);
  });
});

describe('resampling', () => {
  it('keeps an in-band tone when going 8 kHz → 16 kHz', () => {
    const up = resample(tone(1000, 8000, 500), 8000, 16000);
    expect(up.length).toBeGreaterThan(7900);
    expect(up.length).toBeLessThan(8100);
    expect(rms(up.subarray(400, 7600))).toBeCloseTo(0.5 / Math.SQRT2, 1);
  });

  it('filters a 6 kHz tone out when going 16 kHz → 8 kHz instead of aliasing it to 2 kHz', () => {
    const down = resample(tone(6000, 16000, 500), 16000, 8000);
    expect(rms(down.subarray(200, 3800))).toBeLessThan(0.02);
    const kept = resample(tone(1000, 16000, 500), 16000, 8000);
    expect(rms(kept.subarray(200, 3800))).toBeGreaterThan(0.3);
  });

  it('streams in small chunks with the same output as one call', () => {
    const input = tone(440, 8000, 300);
    const whole = resample(input, 8000, 16000);
    const streaming = new StreamingResampler(8000, 16000);
    const parts: Float32Array[] = [];
    for (let i = 0; i < input.length; i += 80) parts.push(streaming.push(input.subarray(i, i + 80)));
    parts.push(streaming.flush());
    const joined = Float32Array.from(parts.flatMap((p) => [...p]));
    expect(joined.length).toBe(whole.length);
    expect(Math.max(...joined.map((v, i) => Math.abs(v - (whole[i] as number))))).toBeLessThan(1e-4);
  });
});

describe('WAV', () => {
  const manifest = audioManifest();

  it('reads the real 16 kHz and 8 kHz recordings with their durations', () => {
    for (const row of manifest.filter((r) => r.sampleRate === 16000 || r.sampleRate === 8000)) {
      const wav = readWav(readFileSync(row.path));
      expect(wav.sampleRate, row.file).toBe(row.sampleRate);
      expect(Math.abs(wav.durationMs - row.durationS * 1000), row.file).toBeLessThan(60);
    }
  });

  it('reads an IEEE-float 24 kHz WAV as PCM16', () => {
    const row = manifest.find((r) => r.file.startsWith('cosyvoice/'));
    expect(row).toBeDefined();
    const wav = readWav(readFileSync(row!.path));
    expect(wav.sampleRate).toBe(24000);
    expect(rms(pcm16ToFloat32(wav.channels[0]!))).toBeGreaterThan(0.01);
  });

  it('writes a stereo WAV that reads back identically', () => {
    const left = Int16Array.from([1, 2, 3]);
    const right = Int16Array.from([-1, -2, -3]);
    const back = readWav(writeWav([left, right], 8000));
    expect(back.sampleRate).toBe(8000);
    expect([...back.channels[1]!]).toEqual([-1, -2, -3]);
  });

  it('refuses bytes that are not a WAV with invalid_wav', () => {
    expect(() => readWav(new TextEncoder().encode('hello, not audio'))).toThrowError(
      expect.objectContaining({ code: 'invalid_wav' }),
    );
  });
});

describe('WAV writing speed', () => {
  it('round-trips a 6 s utterance sample for sample', () => {
    const pcm = Int16Array.from({ length: 96000 }, (_, i) => ((i * 37) % 65536) - 32768);
    const back = readWav(writeWav([pcm], 16000));
    expect(back.channels[0]!.length).toBe(pcm.length);
    expect(back.channels[0]!.every((v, i) => v === pcm[i])).toBe(true);
  });
});
