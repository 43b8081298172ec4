import alawmulaw from 'alawmulaw';
import type { AudioFormat } from '../protocol/index.js';

export class AudioFormatError extends Error {
  constructor(
    readonly code: 'misaligned_audio' | 'unsupported_format' | 'invalid_wav',
    message: string,
  ) {
    super(message);
  }
}

/**
 * G.711 decoding through 256-entry tables filled once from `alawmulaw` itself: every live call
 * decodes 8,000 bytes a second, and a table lookup costs a fraction of the per-sample arithmetic.
 */
const g711Tables = {
  mulaw: Int16Array.from({ length: 256 }, (_, b) => alawmulaw.mulaw.decodeSample(b)),
  alaw: Int16Array.from({ length: 256 }, (_, b) => alawmulaw.alaw.decodeSample(b)),
};

function decodeG711(bytes: Uint8Array, table: Int16Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i] as number] as number;
  return out;
}

/** Bytes one sample of one channel takes on the wire. */
export function bytesPerSample(format: AudioFormat): number {
  return format === 'pcm_s16le' ? 2 : 1;
}

/**
 * Decodes raw wire audio (interleaved when stereo) into PCM16. G.711 μ-law/A-law use the
 * maintained `alawmulaw` codec. Throws `misaligned_audio` when the bytes do not form whole frames.
 */
export function decodeToPcm16(bytes: Uint8Array, format: AudioFormat, channels: number): Int16Array {
  const frameBytes = bytesPerSample(format) * channels;
  if (bytes.byteLength % frameBytes !== 0) {
    throw new AudioFormatError(
      'misaligned_audio',
      `${bytes.byteLength} bytes is not a whole number of ${format} frames of ${frameBytes} bytes`,
    );
  }
  switch (format) {
    case 'pcm_s16le': {
      // Copy: the socket's buffer may be unaligned and is reused.
      const out = new Int16Array(bytes.byteLength / 2);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
      return out;
    }
    case 'mulaw':
      return decodeG711(bytes, g711Tables.mulaw);
    case 'alaw':
      return decodeG711(bytes, g711Tables.alaw);
  }
}

/** Encodes PCM16 for the wire (tests, benchmarks, telephony simulators). */
export function encodeFromPcm16(samples: Int16Array, format: AudioFormat): Uint8Array {
  switch (format) {
    case 'pcm_s16le':
      return new Uint8Array(
        samples.buffer.slice(samples.byteOffset, samples.byteOffset + samples.byteLength),
      );
    case 'mulaw':
      return alawmulaw.mulaw.encode(samples);
    case 'alaw':
      return alawmulaw.alaw.encode(samples);
  }
}

/** Splits interleaved samples into one array per channel (stereo: 0 = caller/left, 1 = agent/right). */
export function splitChannels(interleaved: Int16Array, channels: number): Int16Array[] {
  if (channels === 1) return [interleaved];
  const frames = interleaved.length / channels;
  const out = Array.from({ length: channels }, () => new Int16Array(frames));
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) (out[c] as Int16Array)[f] = interleaved[f * channels + c] as number;
  }
  return out;
}

export function interleave(channels: readonly Int16Array[]): Int16Array {
  if (channels.length === 1) return channels[0] as Int16Array;
  const frames = Math.min(...channels.map((c) => c.length));
  const out = new Int16Array(frames * channels.length);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels.length; c++)
      out[f * channels.length + c] = (channels[c] as Int16Array)[f] as number;
  }
  return out;
}

export function pcm16ToFloat32(samples: Int16Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = (samples[i] as number) / 32768;
  return out;
}

export function float32ToPcm16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i] as number));
    out[i] = Math.round(s < 0 ? s * 32768 : s * 32767);
  }
  return out;
}
