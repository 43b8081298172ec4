/** The audio of one utterance kept for engines that recognise whole VAD segments. */
export class SegmentBuffer {
  private chunks: Float32Array[] = [];
  private length = 0;

  push(samples: Float32Array): void {
    // Copy: callers may reuse their frame buffers.
    this.chunks.push(samples.slice());
    this.length += samples.length;
  }

  get samples(): number {
    return this.length;
  }

  /** All samples in order; the buffer is emptied. */
  take(): Float32Array {
    const out = new Float32Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    this.chunks = [];
    this.length = 0;
    return out;
  }
}
