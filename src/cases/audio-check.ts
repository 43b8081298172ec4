import { readWav } from '../audio/index.js';
import { CaseError } from './errors.js';

export type ArchivedAudioFormat = 'wav' | 'opus';

export interface CheckedAudio {
  format: ArchivedAudioFormat;
  /** Known for WAV; null for Opus (the container carries no cheap total length). */
  durationMs: number | null;
}

/**
 * Accepts only what the archive can play back: a readable WAV, or Ogg Opus (first page `OggS`
 * carrying an `OpusHead` packet). Anything else is `invalid_audio`, before a byte is stored.
 */
export function checkAudio(bytes: Uint8Array, declared: ArchivedAudioFormat): CheckedAudio {
  if (declared === 'wav') {
    try {
      const wav = readWav(bytes);
      if ((wav.channels[0]?.length ?? 0) === 0) throw new Error('no samples');
      return { format: 'wav', durationMs: wav.durationMs };
    } catch (err) {
      throw new CaseError(
        'invalid',
        'invalid_audio',
        `segment is not a playable WAV: ${(err as Error).message}`,
      );
    }
  }
  const ascii = (from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString('latin1');
  // Ogg page header is 27 bytes + segment table; OpusHead starts the first packet.
  const segments = bytes[26] ?? 0;
  const packetStart = 27 + segments;
  if (
    bytes.byteLength < packetStart + 19 ||
    ascii(0, 4) !== 'OggS' ||
    ascii(packetStart, packetStart + 8) !== 'OpusHead'
  ) {
    throw new CaseError(
      'invalid',
      'invalid_audio',
      'segment is not Ogg Opus (no OggS page with an OpusHead packet)',
    );
  }
  return { format: 'opus', durationMs: null };
}
