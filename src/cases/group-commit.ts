import { sha256Hex, type BlobStore, type StoredBlob } from '../store/index.js';
import { audioJournalHeader, audioJournalPath, journalPath, type JournalEntry } from './journal.js';
import type { JournalFile, JournalFileSystem } from './journal-files.js';

/**
 * One live call's journals as the archive writer uses them. Every method queues its item at once,
 * in call order, and returns a promise that resolves when that item and everything queued before
 * it for the call are on disk. A write that fails fails the call: that item, the rest of its batch
 * and every later one are refused with the same error.
 */
export interface CallJournal {
  readonly caseId: string;
  /** The first write that failed, if any. */
  readonly failure: Error | null;
  /** One journal line. */
  entry(entry: JournalEntry): Promise<void>;
  /** An audio file (atomic, fsynced: never replacing one already there), then the line `line` builds for it. */
  audio(key: string, data: Uint8Array, line: (blob: StoredBlob) => JournalEntry): Promise<JournalEntry>;
  /** Received audio appended to the audio journal (not fsynced: it only has to survive SIGKILL). */
  receivedAudio(pcm: Uint8Array): Promise<void>;
  /** The audio journal starts over at `startSample` (everything before is in a chunk queued earlier). */
  resetReceivedAudio(startSample: number): Promise<void>;
  /** Resolves once everything queued so far is durable; rejects with the failure if not. */
  written(): Promise<void>;
  /** After what is queued: closes both files and keeps them (for the next start to replay). */
  close(): Promise<void>;
  /** After what is queued: closes and deletes both files (everything is in the database). */
  remove(): Promise<void>;
}

export interface JournalWriter {
  /** Creates the call's item journal (kept if it exists) and an empty audio journal starting at sample 0. */
  open(caseId: string): Promise<CallJournal>;
  /** Resolves once everything queued so far is committed. */
  flush(): Promise<void>;
}

export interface JournalWriterDeps {
  dir: string;
  files: JournalFileSystem;
  blobs: BlobStore;
  /** Told once per call, at its first failed write. */
  onFailure(caseId: string, err: Error): void;
}

type Op =
  | { kind: 'entry'; entry: JournalEntry }
  | { kind: 'audio'; key: string; data: Uint8Array; line: (blob: StoredBlob) => JournalEntry }
  | { kind: 'pcm'; data: Uint8Array }
  | { kind: 'pcm-reset'; startSample: number };

interface Queued {
  op: Op;
  resolve(entry: JournalEntry | undefined): void;
  reject(err: Error): void;
}

interface OpenCall {
  caseId: string;
  items: JournalFile;
  pcm: JournalFile;
  queue: Queued[];
  /** Settles after the last queued item. */
  last: Promise<unknown>;
  failure: Error | null;
  /** A batch of this call is being written: what is queued now waits for the next. */
  committing: boolean;
  /** The latest batch, settled once its audio journal writes (after the acknowledgement) are done too. */
  batch: Promise<void>;
}

/**
 * Group commit: a call's items queued during one event-loop turn form a batch, written off the loop
 * while its next batch collects; calls commit independently (a slow disk write of one call does not
 * hold up another's). Per call and batch, all at once: the audio files (each fsynced by the blob
 * store) and every journal line in **one durable write** (the item journal is opened with O_DSYNC;
 * its `sync` then has nothing left to do); the batch is acknowledged once all are durable, and
 * its audio journal writes follow before the next batch.
 */
export function createJournalWriter(deps: JournalWriterDeps): JournalWriter {
  const { dir, files, blobs } = deps;
  /** Calls with items queued and no batch being written. */
  const due = new Set<OpenCall>();
  const writing = new Set<Promise<void>>();
  let scheduled = false;

  const fail = (call: OpenCall, err: unknown): Error => {
    if (!call.failure) {
      call.failure = err instanceof Error ? err : new Error(String(err));
      deps.onFailure(call.caseId, call.failure);
    }
    return call.failure;
  };

  const commitCall = async (call: OpenCall, batch: Queued[]): Promise<void> => {
    let lines: Array<JournalEntry | undefined>;
    try {
      if (call.failure) throw call.failure;
      // A line names its audio file by key and checksum, both known before the file is written, so
      // the files and the lines are written at once: one flush less before the acknowledgement. A
      // line can then be durable before its file; nothing is acknowledged until both are, and the
      // replay at the next start skips a segment line whose file never landed.
      const sums = batch.map(({ op }) => (op.kind === 'audio' ? sha256Hex(op.data) : ''));
      lines = batch.map(({ op }, i) => {
        if (op.kind === 'entry') return op.entry;
        if (op.kind === 'audio')
          return op.line({ key: op.key, sha256: sums[i] as string, bytes: op.data.byteLength });
        return undefined;
      });
      const text = lines.flatMap((line) => (line ? [`${JSON.stringify(line)}\n`] : [])).join('');
      await Promise.all([
        ...batch.map(({ op }, i) =>
          op.kind === 'audio' ? blobs.put(op.key, op.data, { exclusive: true, sha256: sums[i] }) : null,
        ),
        text ? call.items.append(Buffer.from(text)).then(() => call.items.sync()) : null,
      ]);
    } catch (err) {
      const failure = fail(call, err);
      for (const item of batch) item.reject(failure);
      return;
    }
    // Lines and audio files are durable: acknowledge them now. The audio journal is not fsynced and
    // acknowledges nothing, so nothing waits for it (the call's next batch does: it keeps order).
    const pcm: Queued[] = [];
    batch.forEach((item, i) => {
      if (item.op.kind === 'pcm' || item.op.kind === 'pcm-reset') pcm.push(item);
      else item.resolve(lines[i]);
    });
    try {
      for (const item of pcm) {
        const { op } = item;
        if (op.kind === 'pcm') await call.pcm.append(op.data);
        else if (op.kind === 'pcm-reset') await call.pcm.rewrite(audioJournalHeader(op.startSample));
        item.resolve(undefined);
      }
    } catch (err) {
      const failure = fail(call, err);
      for (const item of pcm) item.reject(failure);
    }
  };

  const startBatches = (): void => {
    scheduled = false;
    for (const call of due) {
      call.committing = true;
      const done = commitCall(call, call.queue.splice(0)).then(() => {
        writing.delete(done);
        call.committing = false;
        if (call.queue.length > 0) markDue(call);
      });
      writing.add(done);
      call.batch = done;
    }
    due.clear();
  };

  function markDue(call: OpenCall): void {
    if (call.committing) return; // picked up when its batch is written
    due.add(call);
    if (scheduled) return;
    scheduled = true;
    setImmediate(startBatches);
  }

  const enqueue = (call: OpenCall, op: Op): Promise<JournalEntry | undefined> => {
    const done = new Promise<JournalEntry | undefined>((resolve, reject) => {
      if (call.failure) reject(call.failure);
      else {
        call.queue.push({ op, resolve, reject });
        markDue(call);
      }
    });
    call.last = done.catch(() => undefined);
    return done;
  };

  return {
    async open(caseId) {
      await files.mkdir(dir);
      const path = journalPath(dir, caseId);
      const items = await files.open(path, { durable: true });
      let pcm: JournalFile;
      try {
        pcm = await files.open(audioJournalPath(path));
        await pcm.rewrite(audioJournalHeader(0));
      } catch (err) {
        await items.close();
        await files.remove(path);
        throw err;
      }
      const call: OpenCall = {
        caseId,
        items,
        pcm,
        queue: [],
        last: Promise.resolve(),
        failure: null,
        committing: false,
        batch: Promise.resolve(),
      };
      const settled = async () => {
        await call.last;
        // The last item is acknowledged before its batch's audio journal writes: they finish first.
        await call.batch;
        await Promise.all([call.items.close(), call.pcm.close()]);
      };
      return {
        caseId,
        get failure() {
          return call.failure;
        },
        entry: async (entry) => {
          await enqueue(call, { kind: 'entry', entry });
        },
        audio: async (key, data, line) =>
          (await enqueue(call, { kind: 'audio', key, data, line })) as JournalEntry,
        receivedAudio: async (data) => {
          await enqueue(call, { kind: 'pcm', data });
        },
        resetReceivedAudio: async (startSample) => {
          await enqueue(call, { kind: 'pcm-reset', startSample });
        },
        written: async () => {
          await call.last;
          if (call.failure) throw call.failure;
        },
        close: settled,
        async remove() {
          await settled();
          await files.remove(path);
          await files.remove(audioJournalPath(path));
        },
      };
    },
    async flush() {
      while (writing.size > 0 || due.size > 0)
        await (writing.size > 0 ? Promise.all(writing) : new Promise<void>((r) => setImmediate(r)));
    },
  };
}
