/** PCM helpers shared by the microphone and the recording replay (pure, no browser APIs). */

/** Interleaves float channels in [-1, 1] into little-endian signed 16-bit PCM, clipping. */
export function floatToPcm16(channels: readonly Float32Array[]): Int16Array<ArrayBuffer> {
  const count = channels.length;
  const length = Math.min(...channels.map((c) => c.length));
  const out = new Int16Array(length * count);
  for (let i = 0; i < length; i++) {
    for (let c = 0; c < count; c++) {
      const v = Math.max(-1, Math.min(1, (channels[c] as Float32Array)[i] as number));
      out[i * count + c] = v < 0 ? Math.round(v * 0x8000) : Math.round(v * 0x7fff);
    }
  }
  return out;
}

/**
 * How many interleaved samples of a real-time stream should have been sent `elapsedMs` after it
 * started. The replay sends up to this point on every tick, so timer jitter never accumulates.
 */
export function samplesDue(elapsedMs: number, sampleRate: number, channels: number, total: number): number {
  const frames = Math.floor((Math.max(0, elapsedMs) * sampleRate) / 1000);
  return Math.min(total, frames * channels);
}
