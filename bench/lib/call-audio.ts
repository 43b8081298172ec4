import { readFileSync } from 'node:fs';
import { encodeFromPcm16, readWav, resample, float32ToPcm16, pcm16ToFloat32 } from '../../src/audio/index.js';
import { audioManifest } from '../../test/shared.js';

export const RATE = 8000;
export const FRAME_MS = 100;
const FRAME_BYTES = (RATE * FRAME_MS) / 1000;
/** Pause between the recordings: longer than the 800 ms end-of-utterance silence, like turns in a call. */
const GAP_MS = 1200;
/** Real recordings that make up one simulated call, looped for as long as the call lasts. */
const RECORDINGS = [
  'paraformer-zh-2023-03-28/8k.wav',
  'zipformer-zh-14M/8k.wav',
  'paraformer-zh-2023-03-28/1.wav',
];

/**
 * One simulated call's audio as 8 kHz μ-law frames of 100 ms (800 bytes): real recordings from the
 * shared manifest (16 kHz ones resampled with the product's anti-aliased resampler) with pauses.
 */
export function callFrames(): Uint8Array[] {
  const rows = new Map(audioManifest().map((row) => [row.file, row]));
  const parts: Int16Array[] = [];
  for (const file of RECORDINGS) {
    const row = rows.get(file);
    if (!row) throw new Error(`recording ${file} is not in the shared audio manifest`);
    const wav = readWav(readFileSync(row.path));
    const mono = wav.channels[0] as Int16Array;
    parts.push(
      wav.sampleRate === RATE ? mono : float32ToPcm16(resample(pcm16ToFloat32(mono), wav.sampleRate, RATE)),
    );
    parts.push(new Int16Array((RATE * GAP_MS) / 1000));
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const pcm = new Int16Array(Math.ceil(total / FRAME_BYTES) * FRAME_BYTES);
  let offset = 0;
  for (const part of parts) {
    pcm.set(part, offset);
    offset += part.length;
  }
  const mulaw = encodeFromPcm16(pcm, 'mulaw');
  const frames: Uint8Array[] = [];
  for (let i = 0; i < mulaw.length; i += FRAME_BYTES) frames.push(mulaw.slice(i, i + FRAME_BYTES));
  return frames;
}
