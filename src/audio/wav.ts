import { endianness } from 'node:os';
import wavefile from 'wavefile';
import { AudioFormatError, interleave, splitChannels } from './codecs.js';

export interface DecodedWav {
  sampleRate: number;
  /** PCM16 per channel. */
  channels: Int16Array[];
  durationMs: number;
}

/**
 * Reads a WAV file's bytes (PCM 8/16/24/32-bit, IEEE float, μ-law, A-law) into PCM16 per channel,
 * through the maintained `wavefile` library. Throws `invalid_wav` for anything that is not a WAV.
 */
export function readWav(bytes: Uint8Array): DecodedWav {
  let wav: InstanceType<typeof wavefile.WaveFile>;
  try {
    wav = new wavefile.WaveFile(bytes);
    // G.711 payloads are decoded to PCM16 in place; everything else is converted by bit depth.
    const fmt = wav.fmt as { audioFormat: number };
    if (fmt.audioFormat === 7) wav.fromMuLaw();
    else if (fmt.audioFormat === 6) wav.fromALaw();
    else if ((wav.bitDepth as string) !== '16') wav.toBitDepth('16');
  } catch (err) {
    throw new AudioFormatError('invalid_wav', `not a readable WAV file: ${(err as Error).message}`);
  }
  const fmt = wav.fmt as { sampleRate: number; numChannels: number };
  const interleaved = wav.getSamples(true, Int16Array) as unknown as Int16Array;
  const channels = splitChannels(interleaved, fmt.numChannels);
  return {
    sampleRate: fmt.sampleRate,
    channels,
    durationMs: Math.round(((channels[0]?.length ?? 0) / fmt.sampleRate) * 1000),
  };
}

const BIG_ENDIAN = endianness() === 'BE';

/**
 * Encodes PCM16 (one array per channel) as a canonical 44-byte-header RIFF/WAVE file. Written
 * directly rather than through `wavefile`, which packs sample by sample (tens of ms per utterance
 * on the event loop, for every remote-ASR request and archived segment).
 */
export function writeWav(channels: readonly Int16Array[], sampleRate: number): Uint8Array {
  const numChannels = channels.length;
  const frames = Math.min(...channels.map((c) => c.length));
  const dataBytes = frames * numChannels * 2;
  // Every byte is written below.
  const out = Buffer.allocUnsafe(44 + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(numChannels, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * numChannels * 2, 28);
  out.writeUInt16LE(numChannels * 2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  const pcm = numChannels === 1 ? (channels[0] as Int16Array).subarray(0, frames) : interleave(channels);
  // The samples' bytes in one copy; WAV is little-endian, as the samples are in memory almost everywhere.
  out.set(new Uint8Array(pcm.buffer, pcm.byteOffset, dataBytes), 44);
  if (BIG_ENDIAN) out.subarray(44).swap16();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
