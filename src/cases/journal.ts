import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { FeedbackRow, SuggestionRow, UtteranceRow } from '../store/index.js';

type Journaled<Row extends { ts: number }> = Omit<Row, 'ts'> & { at: number };

/**
 * What the per-call write-ahead journal (`<hash>.jsonl`, one JSON line per archived item) holds:
 * whatever the pipeline has acknowledged, so it survives SIGKILL even when the database write
 * behind it had not happened yet. Written by the group commit (`group-commit.ts`), replayed
 * (idempotently) at the next start (`journal-recovery.ts`).
 */
export type JournalEntry =
  | {
      t: 'start';
      caseId: string;
      agentId: string | null;
      openedBy: string | null;
      startedAt: number;
      asrVersion: string | null;
      /** Of the call audio as received (the audio journal's layout). */
      sampleRate?: number;
      channels?: number;
    }
  | {
      t: 'segment';
      caseId: string;
      segmentId: string;
      kind: 'utterance' | 'call';
      speaker: string | null;
      channel: number | null;
      startMs: number;
      endMs: number;
      blobKey: string;
      sha256: string;
      bytes: number;
      at: number;
      /** Call chunks: the exact sample the chunk ends at (the audio journal continues from there). */
      endSample?: number;
    }
  /** A final's utterance row as stored, its texts all known (`at`: its time). */
  | ({ t: 'utterance' } & Pick<
      UtteranceRow,
      'caseId' | 'utteranceId' | 'speaker' | 'channel' | 'startMs' | 'endMs'
    > & { rawText: string; correctedText: string; redactedText: string; edits: unknown[]; at: number })
  /** A suggestion or feedback row as stored, with `at` for its time (the journal writes tier and source always). */
  | ({ t: 'suggestion' } & Journaled<SuggestionRow> & { tier: string; source: string })
  | ({ t: 'feedback' } & Journaled<FeedbackRow>)
  | { t: 'end'; caseId: string; reason: string; at: number };

/** Bytes before the audio journal's PCM: the sample index it starts at (float64 LE). */
export const AUDIO_JOURNAL_HEADER_BYTES = 8;

/**
 * The call's received audio not yet in a call chunk (`<hash>.pcm`): the header, then interleaved
 * PCM16. Written without fsync (the page cache survives SIGKILL); reset each time a chunk is stored.
 */
export function audioJournalHeader(startSample: number): Buffer {
  const header = Buffer.alloc(AUDIO_JOURNAL_HEADER_BYTES);
  header.writeDoubleLE(startSample, 0);
  return header;
}

export const audioJournalPath = (journalFile: string): string => journalFile.replace(/\.jsonl$/, '.pcm');

/** What an audio journal left by a killed process holds: interleaved PCM16 from `startSample`. */
export function readAudioJournal(journalFile: string): { startSample: number; pcm: Buffer } | null {
  const path = audioJournalPath(journalFile);
  if (!existsSync(path)) return null;
  const bytes = readFileSync(path);
  if (bytes.byteLength < AUDIO_JOURNAL_HEADER_BYTES) return null;
  return { startSample: bytes.readDoubleLE(0), pcm: bytes.subarray(AUDIO_JOURNAL_HEADER_BYTES) };
}

export function journalPath(dir: string, caseId: string): string {
  return join(dir, `${createHash('sha256').update(caseId).digest('hex').slice(0, 40)}.jsonl`);
}

/** Journals left by a process that died mid-call; a torn last line (killed mid-write) is dropped. */
export function leftoverJournals(dir: string): Array<{ path: string; entries: JournalEntry[] }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => {
      const path = join(dir, f);
      const entries: JournalEntry[] = [];
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (!line) continue;
        try {
          entries.push(JSON.parse(line) as JournalEntry);
        } catch {
          break;
        }
      }
      return { path, entries };
    });
}

/** Audio journals whose item journal is gone (removed between the two files): nothing to recover. */
export function strayAudioJournals(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pcm') && !existsSync(join(dir, f.replace(/\.pcm$/, '.jsonl'))))
    .map((f) => join(dir, f));
}
