/**
 * The last few seconds of a channel's 16 kHz audio. Silero only reports speech a few hundred ms
 * after it began, so a new utterance's recognizer is fed from here, starting where speech began.
 */
export class AudioHistory {
  private chunks: Array<{ start: number; samples: Float32Array }> = [];
  private total = 0;

  constructor(private readonly keepSamples: number) {}

  push(samples: Float32Array): void {
    this.chunks.push({ start: this.total, samples });
    this.total += samples.length;
    while (
      this.chunks.length > 1 &&
      this.total - (this.chunks[1] as { start: number }).start > this.keepSamples
    ) {
      this.chunks.shift();
    }
  }

  /** Samples from `fromSample` (absolute index) to now, as far back as kept. */
  since(fromSample: number): Float32Array {
    const parts: Float32Array[] = [];
    for (const chunk of this.chunks) {
      const end = chunk.start + chunk.samples.length;
      if (end <= fromSample) continue;
      parts.push(chunk.samples.subarray(Math.max(0, fromSample - chunk.start)));
    }
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
}
