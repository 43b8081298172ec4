import {
  closeSync,
  existsSync,
  fsyncSync,
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
    const line = Buffer.from(`${JSON.stringify(entry)}\n`);
    let offset = 0;
    while (offset < line.byteLength) offset += writeSync(this.fd, line, offset);
    fsyncSync(this.fd);
  }

  /** Everything is in the database: the journal can go. */
  remove(): void {
    this.close();
    rmSync(this.path, { force: true });
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
