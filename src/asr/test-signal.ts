/**
 * A synthetic test signal: what `hotline-assist models check` decodes to prove a model folder runs
 * end to end (any model gives some text or none for it; what matters is that decoding completes),
 * and what the test fixtures in `testing/` are built to read.
 */
export interface ToneSpan {
  /** A sine at this frequency; silence without it. */
  hz?: number;
  ms: number;
}

const RATE = 16000;

/** 16 kHz float samples of `spans` in order, at `amplitude` (0..1). */
export function tones(spans: readonly ToneSpan[], amplitude = 0.3): Float32Array {
  const length = (span: ToneSpan) => Math.round((span.ms * RATE) / 1000);
  const out = new Float32Array(spans.reduce((n, s) => n + length(s), 0));
  let offset = 0;
  for (const span of spans) {
    const { hz } = span;
    if (hz !== undefined) {
      for (let i = 0; i < length(span); i++)
        out[offset + i] = amplitude * Math.sin((2 * Math.PI * hz * i) / RATE);
    }
    offset += length(span);
  }
  return out;
}

/** The bundled check signal: a 300 Hz tone, a pause, a 3 kHz tone (1.8 s, inside the telephone band). */
export const CHECK_SIGNAL: readonly ToneSpan[] = [
  { ms: 200 },
  { hz: 300, ms: 500 },
  { ms: 300 },
  { hz: 3000, ms: 500 },
  { ms: 300 },
];
