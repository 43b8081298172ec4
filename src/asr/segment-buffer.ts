import { resample } from '../audio/index.js';
import { SAMPLE_RATE } from './recognizer-config.js';

/**
 * The audio of one utterance kept for engines that recognise whole VAD segments, at the call's
 * rate; handed over at the models' 16 kHz in one conversion per segment.
 */
export class SegmentBuffer {
  private chunks: Float32Array[] = [];
  private length = 0;

  constructor(private readonly inputRate: number) {}

  push(samples: Float32Array): void {
    // Copy: callers may reuse their frame buffers.
    this.chunks.push(samples.slice());
    this.length += samples.length;
  }

  get samples(): number {
    return this.length;
  }

  /** All samples in order, at 16 kHz; the buffer is emptied. */
  take(): Float32Array {
    const out = new Float32Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    this.chunks = [];
    this.length = 0;
    return this.inputRate === SAMPLE_RATE ? out : resample(out, this.inputRate, SAMPLE_RATE);
  }
}
