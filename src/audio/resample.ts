import { createRequire } from 'node:module';

interface LinearResamplerHandle {
  resample(samples: Float32Array): Float32Array;
  flush(samples: Float32Array): Float32Array;
}
const require = createRequire(import.meta.url);
const { LinearResampler } = require('sherpa-onnx-node') as {
  LinearResampler: new (inputRate: number, outputRate: number) => LinearResamplerHandle;
};

/**
 * Streaming sample-rate converter. Uses sherpa-onnx's resampler (Kaldi's LinearResample: a
 * windowed-sinc filter with a low-pass cutoff below the lower Nyquist rate, so 16 → 8 kHz does not
 * alias), keeping filter state across chunks so frame boundaries leave no clicks.
 */
export class StreamingResampler {
  private readonly inner: LinearResamplerHandle | null;

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
  ) {
    this.inner = inputRate === outputRate ? null : new LinearResampler(inputRate, outputRate);
  }

  push(samples: Float32Array): Float32Array {
    return this.inner ? this.inner.resample(samples) : samples;
  }

  /** Last chunk: returns the filter's buffered tail too. */
  flush(samples: Float32Array = new Float32Array(0)): Float32Array {
    return this.inner ? this.inner.flush(samples) : samples;
  }
}

/** Whole-signal conversion. */
export function resample(samples: Float32Array, inputRate: number, outputRate: number): Float32Array {
  return new StreamingResampler(inputRate, outputRate).flush(samples);
}
