/**
 * A channel's recent audio as received (PCM16 at the call's own rate), addressed by absolute sample
 * index. The VAD answers a little after the audio it is about, and says from where a segment can
 * still start; this keeps exactly that much (plus what a recognizer has not been fed yet), so a
 * speech segment's audio is cut from here instead of being copied into every detector.
 */
export class ChannelAudio {
  private chunks: Int16Array[] = [];
  /** Absolute index of chunks[0][0]. */
  private first = 0;
  private total = 0;

  constructor(
    /** Never keep more than this many samples, whatever the VAD says (it may have failed). */
    private readonly maxSamples: number,
  ) {}

  push(pcm: Int16Array): void {
    if (pcm.length === 0) return;
    this.chunks.push(pcm);
    this.total += pcm.length;
    this.dropBefore(this.total - this.maxSamples);
  }

  /** Samples received so far. */
  get end(): number {
    return this.total;
  }

  /** Forgets whole chunks that end at or before `sample`. */
  dropBefore(sample: number): void {
    while (this.chunks.length > 0 && this.first + (this.chunks[0] as Int16Array).length <= sample) {
      this.first += (this.chunks.shift() as Int16Array).length;
    }
  }

  /** Samples [from, to) as far as they are kept. */
  slice(from: number, to: number): Int16Array {
    const start = Math.max(from, this.first);
    const stop = Math.min(to, this.total);
    const out = new Int16Array(Math.max(0, stop - start));
    let at = this.first;
    for (const chunk of this.chunks) {
      const chunkEnd = at + chunk.length;
      if (chunkEnd > start && at < stop) {
        const a = Math.max(start, at) - at;
        const b = Math.min(stop, chunkEnd) - at;
        out.set(chunk.subarray(a, b), Math.max(start, at) - start);
      }
      if (chunkEnd >= stop) break;
      at = chunkEnd;
    }
    return out;
  }
}
