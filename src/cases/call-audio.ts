import { randomBytes } from 'node:crypto';

/**
 * Whole-call audio is written at every utterance end (before `speech_end` reaches any client, so
 * an acknowledged utterance's audio is on disk) and at least this often during long speech.
 */
const CALL_CHUNK_MS = 30_000;
/** Received audio goes to the audio journal at least this often: the most a SIGKILL loses. */
const AUDIO_JOURNAL_BATCH_MS = 1_000;

/**
 * A call chunk's id: `call-NNNN-<run>`. The number keeps the chunks in order; the run tag (new for
 * each run of the call and each recovery) keeps ids unique where the number cannot: a node resuming
 * the call counts the chunks in the database, which lack the ones the node before it had stored but
 * not yet recorded, and its recovery may add one later. Older archives have plain `call-NNNN`.
 */
export const callChunkId = (n: number, run: string): string => `call-${String(n).padStart(4, '0')}-${run}`;

/** A fresh run tag for `callChunkId`. */
export const newChunkRun = (): string => randomBytes(3).toString('hex');

/** One call chunk (`callChunkId`): the call audio received since the previous one. */
export interface CallChunk {
  segmentId: string;
  channels: Int16Array[];
  startMs: number;
  endMs: number;
  /** The exact sample the chunk ends at (the audio journal continues from there). */
  endSample: number;
}

/**
 * The call's audio as received, between chunks: collects it, says when a chunk or an audio-journal
 * batch is due, and cuts them. Chunks number on after `firstChunk` (the earlier runs' chunks).
 */
export class CallAudioChunker {
  private parts: Int16Array[][] = [];
  private bufferedSamples = 0;
  /** Audio received since the last audio-journal batch, as received (one array per channel). */
  private pending: Int16Array[][] = [];
  private pendingSamples = 0;
  private writtenSamples = 0;
  private chunk: number;
  private readonly run = newChunkRun();

  constructor(
    readonly sampleRate: number,
    firstChunk: number,
  ) {
    this.chunk = firstChunk;
  }

  /** Takes received audio; says what is due: a chunk, an audio-journal batch, or nothing. */
  push(channels: Int16Array[]): 'chunk' | 'journal' | null {
    if (this.parts.length !== channels.length) this.parts = channels.map(() => []);
    channels.forEach((c, i) => this.parts[i]?.push(c));
    const samples = channels[0]?.length ?? 0;
    this.bufferedSamples += samples;
    this.pending.push(channels);
    this.pendingSamples += samples;
    if (this.bufferedSamples >= (CALL_CHUNK_MS / 1000) * this.sampleRate) return 'chunk';
    if (this.pendingSamples >= (AUDIO_JOURNAL_BATCH_MS / 1000) * this.sampleRate) return 'journal';
    return null;
  }

  /** The received audio not yet in the audio journal, or null. */
  takeJournalBatch(): Buffer | null {
    if (this.pendingSamples === 0) return null;
    const batch = interleavedBytes(this.pending, this.pendingSamples);
    this.pending = [];
    this.pendingSamples = 0;
    return batch;
  }

  /** Everything since the last chunk as the next chunk (the audio journal batch with it), or null. */
  takeChunk(): CallChunk | null {
    const n = this.bufferedSamples;
    if (n === 0) return null;
    const channels = this.parts.map((parts) => {
      const out = new Int16Array(n);
      let offset = 0;
      for (const p of parts) {
        out.set(p.subarray(0, n - offset), offset);
        offset += p.length;
      }
      return out;
    });
    const endSample = this.writtenSamples + n;
    const chunk: CallChunk = {
      segmentId: callChunkId(this.chunk, this.run),
      channels,
      startMs: Math.round((this.writtenSamples / this.sampleRate) * 1000),
      endMs: Math.round((endSample / this.sampleRate) * 1000),
      endSample,
    };
    this.chunk += 1;
    this.writtenSamples = endSample;
    this.bufferedSamples = 0;
    this.parts = this.parts.map(() => []);
    this.pending = [];
    this.pendingSamples = 0;
    return chunk;
  }
}

/** Received audio → interleaved PCM16 bytes (the audio journal's layout), in one buffer. */
function interleavedBytes(received: readonly Int16Array[][], samples: number): Buffer {
  const width = received[0]?.length ?? 1;
  const out = new Int16Array(samples * width);
  let at = 0;
  for (const channels of received) {
    const n = channels[0]?.length ?? 0;
    if (width === 1) out.set(channels[0] as Int16Array, at);
    else
      for (let i = 0; i < n; i++)
        for (let ch = 0; ch < width; ch++) out[(at + i) * width + ch] = channels[ch]?.[i] ?? 0;
    at += n;
  }
  return Buffer.from(out.buffer);
}
