import type { Logger } from '../config/index.js';
import type { ServerEvent } from '../protocol/index.js';
import {
  RecorderError,
  type CallEndReason,
  type CallRecorder,
  type CallStartInfo,
  type UtteranceAudio,
} from '../session/index.js';
import { writeWav } from '../audio/index.js';
import type { AuditRepository, BlobStore, CaseRepository, StorageHealth } from '../store/index.js';
import { createEntryApplier } from './apply-entry.js';
import { caseBlobFolder, segmentBlobKey } from './blob-keys.js';
import { admitCall, storageRefusal } from './call-admission.js';
import { CallAudioChunker } from './call-audio.js';
import { journalEntryFor } from './event-entries.js';
import { createJournalWriter, type CallJournal } from './group-commit.js';
import type { JournalEntry } from './journal.js';
import { nodeJournalFiles, type JournalFileSystem } from './journal-files.js';
import { recoverJournals, soleNodeClaims, type CaseClaims } from './journal-recovery.js';
import { sweepOrphans, type OrphanReport } from './orphans.js';
import type { Redactor } from './redaction.js';

export type { OrphanReport } from './orphans.js';

export interface ArchiveWriter extends CallRecorder {
  /**
   * Replays journals of calls a killed process left behind (items, and the received audio not yet
   * in a chunk); those calls become `interrupted` unless another node has continued them since.
   * Only the process holding the data-dir lock may.
   */
  recover(): Promise<number>;
  /** Audio files no row refers to (a kill between file and row, a lost database): see OrphanReport. */
  sweepOrphans(): Promise<OrphanReport>;
  /**
   * A call cut off on a node that is gone, whose claim lapsed with nobody resuming it (the caller
   * now holds the case's claim): its case, still `live` in the database, becomes `interrupted`, as
   * that node's journal replay would have made it. Its owner may still start it again. False when
   * there was nothing to end (not live, or live on this node).
   */
  endCutOffCall(caseId: string): Promise<boolean>;
  /** Resolves when every queued journal and database write has been made (tests, shutdown). */
  flush(): Promise<void>;
}

export interface ArchiveWriterDeps {
  cases: CaseRepository;
  audit: AuditRepository;
  blobs: BlobStore;
  redact: Redactor;
  logger: Logger;
  clock: () => number;
  journalDir: string;
  health?: StorageHealth;
  /** The journals' file system; tests count fsyncs or fail writes through it. */
  files?: JournalFileSystem;
  /** Which recovered calls this node may still reopen and end (a cluster's case leases); default all. */
  claims?: CaseClaims;
}

interface LiveCall {
  journal: CallJournal;
  audio: CallAudioChunker;
  /** Database writes of this call, in order, each once its item is durable. */
  queue: Promise<void>;
  /** A database write failed: keep the journal so the next start replays it. */
  failed: boolean;
}

type SegmentMeta = Pick<
  Extract<JournalEntry, { t: 'segment' }>,
  'segmentId' | 'kind' | 'speaker' | 'channel' | 'startMs' | 'endMs' | 'endSample'
>;

/**
 * The `CallRecorder` the live pipeline calls as the call happens. Items are queued on the call's
 * journal and group-committed (`group-commit.ts`); the promise each returns resolves once the item
 * is durable, and only then is it written to the database, in order. The journal is removed once
 * the call has ended and all its rows are in.
 */
export function createArchiveWriter(deps: ArchiveWriterDeps): ArchiveWriter {
  const { cases, audit, blobs, redact, logger, clock, journalDir, health } = deps;
  const apply = createEntryApplier({ cases, audit });
  const live = new Map<string, LiveCall>();
  /** Database writes for calls that already ended, in order. */
  let late: Promise<void> = Promise.resolve();
  const journals = createJournalWriter({
    dir: journalDir,
    files: deps.files ?? nodeJournalFiles,
    blobs,
    onFailure: (caseId, err) => {
      health?.report(err, 'archive write');
      logger.error({ err, case_id: caseId }, 'archive: durable write failed');
    },
  });
  const refusal = (err: unknown) => (err instanceof RecorderError ? err : storageRefusal(err));

  /** Throws at once once the call's storage has failed: nothing more of it is taken. */
  const usable = (call: LiveCall): CallJournal => {
    if (call.journal.failure) throw storageRefusal(call.journal.failure);
    return call.journal;
  };

  /** Queues the database write of an item for when it is durable; returns the acknowledgement. */
  const commit = (caseId: string, call: LiveCall, durable: Promise<JournalEntry>): Promise<void> => {
    call.queue = call.queue.then(async () => {
      let entry: JournalEntry;
      try {
        entry = await durable;
      } catch {
        return; // not durable: the call has failed, the journal keeps what was written
      }
      await apply(entry).catch((err: unknown) => {
        call.failed = true;
        health?.report(err, 'archive database write');
        logger.error(
          { err, case_id: caseId, kind: entry.t },
          'archive: database write failed; kept in journal',
        );
      });
    });
    return durable.then(
      () => undefined,
      (err: unknown) => {
        throw refusal(err);
      },
    );
  };

  const write = (caseId: string, entry: JournalEntry): Promise<void> | undefined => {
    const call = live.get(caseId);
    if (!call && entry.t === 'feedback') {
      // After hang-up the case is in the database already: what is done afterwards (an alert's
      // outcome noted by a supervisor) goes straight there.
      late = late.then(() =>
        apply(entry).catch((err: unknown) =>
          logger.error({ err, case_id: caseId, kind: entry.t }, 'archive: late database write failed'),
        ),
      );
      return undefined;
    }
    if (!call) {
      logger.warn(
        { case_id: caseId, kind: entry.t },
        'archive: item for a call that was not started; dropped',
      );
      return undefined;
    }
    return commit(
      caseId,
      call,
      usable(call)
        .entry(entry)
        .then(() => entry),
    );
  };

  /** An audio file (never replacing one: live audio is evidence), then its segment line. */
  const storeAudio = (
    caseId: string,
    call: LiveCall,
    channels: Int16Array[],
    sampleRate: number,
    meta: SegmentMeta,
  ): Promise<void> => {
    const at = clock();
    const durable = usable(call).audio(
      segmentBlobKey(caseId, meta.segmentId, 'wav'),
      writeWav(channels, sampleRate),
      (blob) => ({
        t: 'segment',
        caseId,
        ...meta,
        blobKey: blob.key,
        sha256: blob.sha256,
        bytes: blob.bytes,
        at,
      }),
    );
    return commit(caseId, call, durable);
  };

  /** The call audio since the last chunk as the next chunk; null when there is none. */
  const storeChunk = (caseId: string, call: LiveCall): Promise<void> | null => {
    const chunk = call.audio.takeChunk();
    if (!chunk) return null;
    const stored = storeAudio(caseId, call, chunk.channels, call.audio.sampleRate, {
      segmentId: chunk.segmentId,
      kind: 'call',
      speaker: null,
      channel: null,
      startMs: chunk.startMs,
      endMs: chunk.endMs,
      endSample: chunk.endSample,
    });
    // Once the chunk is durable, the audio journal starts over from its end (a failure fails the call).
    call.journal.resetReceivedAudio(chunk.endSample).catch(() => undefined);
    return stored;
  };

  return {
    async callStarted(info: CallStartInfo) {
      if (live.has(info.caseId)) return; // a resumed call keeps its journal
      await admitCall(info, { cases, health });
      // A case started again (a new run after a server restart) continues its call audio after the
      // earlier run's chunks: never over them.
      const earlierChunks = (await cases.listSegments(info.caseId)).filter((s) => s.kind === 'call').length;
      let journal: CallJournal;
      try {
        journal = await journals.open(info.caseId);
      } catch (err) {
        health?.report(err, 'journal open');
        logger.error({ err }, 'archive: journal open failed');
        throw refusal(err);
      }
      const entry: JournalEntry = {
        t: 'start',
        caseId: info.caseId,
        agentId: info.agentId ?? null,
        openedBy: info.openedBy ?? null,
        startedAt: info.startedAt.getTime(),
        asrVersion: info.asrVersion,
        sampleRate: info.sampleRate,
        channels: info.channels,
      };
      try {
        // The audio folder now, not at the first `speech_end`, which waits for its files.
        await Promise.all([journal.entry(entry), blobs.makeFolder(caseBlobFolder(info.caseId))]);
        // `started` acknowledges the case row itself: wait for it.
        await apply(entry);
      } catch (err) {
        await journal.remove();
        health?.report(err, 'case row write');
        throw refusal(err);
      }
      live.set(info.caseId, {
        journal,
        audio: new CallAudioChunker(info.sampleRate, earlierChunks),
        queue: Promise.resolve(),
        failed: false,
      });
    },

    callAudio(caseId, channels) {
      const call = live.get(caseId);
      if (!call || channels.length === 0) return;
      const journal = usable(call);
      // Nothing acknowledges received audio by itself: a failure shows at the next item.
      const due = call.audio.push(channels);
      if (due === 'chunk') storeChunk(caseId, call)?.catch(() => undefined);
      else if (due === 'journal') {
        const batch = call.audio.takeJournalBatch();
        if (batch) journal.receivedAudio(batch).catch(() => undefined);
      }
    },

    utteranceAudio(segment: UtteranceAudio) {
      const call = live.get(segment.caseId);
      if (!call) {
        logger.warn({ case_id: segment.caseId }, 'archive: audio for a call that was not started; dropped');
        return Promise.resolve();
      }
      return storeAudio(segment.caseId, call, [segment.pcm], segment.sampleRate, {
        segmentId: segment.utteranceId,
        kind: 'utterance',
        speaker: segment.speaker,
        channel: segment.channel,
        startMs: segment.startMs,
        endMs: segment.endMs,
      });
    },

    event(event: ServerEvent) {
      if (event.type === 'speech_end') {
        // The call audio so far, and the utterance's own audio queued just before, are on disk first.
        const call = live.get(event.case_id);
        if (!call) return undefined;
        return (
          storeChunk(event.case_id, call) ??
          usable(call)
            .written()
            .catch((err: unknown) => {
              throw refusal(err);
            })
        );
      }
      const entry = journalEntryFor(event, redact);
      return entry ? write(event.case_id, entry) : undefined;
    },

    async callEnded(caseId, reason: CallEndReason) {
      const call = live.get(caseId);
      if (!call) return;
      try {
        storeChunk(caseId, call)?.catch(() => undefined);
        const ended = write(caseId, { t: 'end', caseId, reason, at: clock() });
        live.delete(caseId);
        await ended;
      } catch (err) {
        // This process is done with the call either way; its journals stay for the next start.
        live.delete(caseId);
        await call.journal.close();
        throw refusal(err);
      }
      await call.queue;
      if (call.failed) await call.journal.close();
      else await call.journal.remove();
    },

    recover: () =>
      recoverJournals({
        cases,
        claims: deps.claims ?? soleNodeClaims,
        blobs,
        apply,
        logger,
        clock,
        journalDir,
      }),

    sweepOrphans: () =>
      sweepOrphans({ cases, blobs, audit, logger, clock, claims: deps.claims ?? soleNodeClaims }),

    async endCutOffCall(caseId) {
      if (live.has(caseId) || (await cases.getCase(caseId))?.status !== 'live') return false;
      await apply({ t: 'end', caseId, reason: 'interrupted', at: clock() });
      return true;
    },

    async flush() {
      await journals.flush();
      await Promise.all([...live.values()].map((c) => c.queue));
      await late;
    },
  };
}
