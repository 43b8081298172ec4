import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/**
 * Per-call write-ahead journal: one JSON line per archived item, appended and fsynced before
 * the recorder returns, so whatever the pipeline has acknowledged survives SIGKILL even when the
 * database write behind it had not happened yet. Replayed (idempotently) at the next start.
 */
export class CallJournal {
  private fd: number | null;

  constructor(
    readonly path: string,
    readonly caseId: string,
  ) {
    this.fd = openSync(path, 'a');
  }

  append(entry: JournalEntry): void {
    if (this.fd === null) return;
    writeAll(this.fd, Buffer.from(`${JSON.stringify(entry)}\n`));
    fsyncSync(this.fd);
  }

  /** Everything is in the database: the journal (and its audio journal) can go. */
  remove(): void {
    this.close();
    rmSync(this.path, { force: true });
    rmSync(audioJournalPath(this.path), { force: true });
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

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
  | {
      t: 'utterance';
      caseId: string;
      utteranceId: string;
      speaker: string;
      channel: number;
      startMs: number;
      endMs: number;
      rawText: string;
      correctedText: string;
      redactedText: string;
      edits: unknown[];
      at: number;
    }
  | {
      t: 'suggestion';
      caseId: string;
      utteranceId: string;
      kbVersion: number | null;
      faqIds: string[];
      citedFaqIds: string[];
      replyScript: string;
      tier: string;
      source: string;
      at: number;
    }
  | {
      t: 'feedback';
      caseId: string;
      feedbackId: string;
      utteranceId: string | null;
      action: string;
      faqId: string | null;
      text: string | null;
      by: string | null;
      at: number;
    }
  | { t: 'end'; caseId: string; reason: string; at: number };

function writeAll(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.byteLength) offset += writeSync(fd, data, offset);
}

const HEADER_BYTES = 8;

/**
 * The call's received audio not yet in a call chunk: an 8-byte header (the sample index it starts
 * at) then interleaved PCM16. Batches are written as they fill (at most a second apart), without
 * fsync: the page cache survives SIGKILL. Reset to empty each time a call chunk is stored.
 */
export class AudioJournal {
  private fd: number | null;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
    this.reset(0);
  }

  append(pcm: Uint8Array): void {
    if (this.fd !== null) writeAll(this.fd, pcm);
  }

  /** The audio up to `startSample` is in a fsynced chunk: start over from there. */
  reset(startSample: number): void {
    if (this.fd === null) return;
    ftruncateSync(this.fd, 0);
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeDoubleLE(startSample, 0);
    writeSync(this.fd, header, 0, HEADER_BYTES, 0);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export const audioJournalPath = (journalFile: string): string => journalFile.replace(/\.jsonl$/, '.pcm');

/** What an audio journal left by a killed process holds: interleaved PCM16 from `startSample`. */
export function readAudioJournal(journalFile: string): { startSample: number; pcm: Buffer } | null {
  const path = audioJournalPath(journalFile);
  if (!existsSync(path)) return null;
  const bytes = readFileSync(path);
  if (bytes.byteLength < HEADER_BYTES) return null;
  return { startSample: bytes.readDoubleLE(0), pcm: bytes.subarray(HEADER_BYTES) };
}

export function openAudioJournal(journal: CallJournal): AudioJournal {
  return new AudioJournal(audioJournalPath(journal.path));
}

export function journalPath(dir: string, caseId: string): string {
  return join(dir, `${createHash('sha256').update(caseId).digest('hex').slice(0, 40)}.jsonl`);
}

export function openJournal(dir: string, caseId: string): CallJournal {
  mkdirSync(dir, { recursive: true });
  return new CallJournal(journalPath(dir, caseId), caseId);
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
