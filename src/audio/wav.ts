import wavefile from 'wavefile';
import { AudioFormatError, splitChannels } from './codecs.js';

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

/** Encodes PCM16 (one array per channel) as a RIFF/WAVE file. */
export function writeWav(channels: readonly Int16Array[], sampleRate: number): Uint8Array {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(
    channels.length,
    sampleRate,
    '16',
    channels.length === 1 ? (channels[0] as Int16Array) : [...channels],
  );
  return wav.toBuffer();
}
