import { rmSync } from 'node:fs';
import type { Logger } from '../config/index.js';
import type { Principal, ServerEvent } from '../protocol/index.js';
import {
  RecorderError,
  type CallEndReason,
  type CallRecorder,
  type CallStartInfo,
  type UtteranceAudio,
} from '../session/recorder.js';
import { writeWav } from '../audio/index.js';
import type { AuditRepository, BlobStore, CaseRepository, CaseRow, StorageHealth } from '../store/index.js';
import { segmentBlobKey } from './blob-keys.js';
import {
  audioJournalPath,
  leftoverJournals,
  openAudioJournal,
  openJournal,
  readAudioJournal,
  strayAudioJournals,
  type AudioJournal,
  type CallJournal,
  type JournalEntry,
} from './journal.js';
import { sweepOrphans } from './orphans.js';
import type { Redactor } from './redaction.js';

/**
 * Whole-call audio is written at every utterance end (before `speech_end` reaches any client, so
 * an acknowledged utterance's audio is on disk) and at least this often during long speech.
 */
const CALL_CHUNK_MS = 30_000;
/** Received audio is written to the audio journal at least this often: the most a SIGKILL loses. */
const AUDIO_JOURNAL_BATCH_MS = 1_000;

const FEEDBACK_ACTIONS: Record<string, string> = {
  adopt: 'adopted',
  edit: 'edited',
  reject: 'rejected',
  copy: 'copied',
  undo_correction: 'undo_correction',
  annotate: 'annotation',
};

interface LiveCall {
  journal: CallJournal;
  audioJournal: AudioJournal;
  /** Interleaved PCM16 received since the last audio-journal write. */
  pending: Buffer[];
  pendingSamples: number;
  /** Database writes of this call, in order. */
  queue: Promise<void>;
  callAudio: Int16Array[][];
  bufferedSamples: number;
  /** Sample rate of the call audio as received. */
  sampleRate: number;
  writtenSamples: number;
  chunk: number;
  /** A database write failed: keep the journal so the next start replays it. */
  failed: boolean;
}

export type { OrphanReport } from './orphans.js';

export interface ArchiveWriter extends CallRecorder {
  /**
   * Replays journals of calls a killed process left behind (items, and the received audio not yet
   * in a chunk); those calls become `interrupted`. Only the process holding the data-dir lock may.
   */
  recover(): Promise<number>;
  /** Audio files no row refers to (a kill between file and row, a lost database): see OrphanReport. */
  sweepOrphans(): Promise<import('./orphans.js').OrphanReport>;
  /** Resolves when every queued database write has been made (tests, shutdown). */
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
}

/** Who may stream into a case row that exists but is not live in this process. */
function ownsCase(row: CaseRow, p: Principal | null | undefined): boolean {
  if (!p) return false;
  return row.openedBy === p.id || (p.role === 'agent' && row.agentId === p.id);
}

/**
 * A case whose call the server cut off (a crash, a shutdown, a lost client, a full disk) rather
 * than one its client ended or a record closed: its owner may start it again as a new run, which
 * only adds audio after the earlier run's. A call ended normally is archived evidence.
 */
function cutOff(row: CaseRow): boolean {
  if (row.status === 'live' || row.status === 'interrupted') return true;
  return (
    row.endReason === 'server_shutdown' ||
    row.endReason === 'timeout' ||
    row.endReason === 'storage_unavailable'
  );
}

const storageRefusal = (err: unknown) =>
  new RecorderError('storage_unavailable', `storage failed: ${(err as Error).message}`);

/**
 * The `CallRecorder` the live pipeline calls as the call happens. Each item is made durable
 * synchronously (audio file fsynced + journal line fsynced) before the call returns, then written
 * to the database in order; the journal is removed once the call has ended and all rows are in.
 */
export function createArchiveWriter(deps: ArchiveWriterDeps): ArchiveWriter {
  const { cases, audit, blobs, redact, logger, clock, journalDir, health } = deps;
  const live = new Map<string, LiveCall>();
  /** Database writes for calls that already ended, in order. */
  let late: Promise<void> = Promise.resolve();
  /** Runs a durable write; a failure is reported to storage health and becomes a RecorderError. */
  const durably = <T>(where: string, work: () => T): T => {
    try {
      return work();
    } catch (err) {
      health?.report(err, where);
      logger.error({ err }, `archive: ${where} failed`);
      throw err instanceof RecorderError ? err : storageRefusal(err);
    }
  };

  const apply = async (e: JournalEntry): Promise<void> => {
    switch (e.t) {
      case 'start':
        await cases.transaction(async (repo, trx) => {
          const existing = await repo.getCase(e.caseId);
          await repo.upsertCase({
            id: e.caseId,
            updatedAt: e.startedAt,
            status: 'live',
            // The first owner stays: a later stream cannot take over an archived case.
            agentId: existing?.agentId ? undefined : (e.agentId ?? undefined),
            openedBy: existing?.openedBy ? undefined : (e.openedBy ?? undefined),
            startedAt: existing ? undefined : e.startedAt,
            asrVersion: e.asrVersion ?? undefined,
            endedAt: null,
            endReason: null,
          });
          if (!existing) {
            await audit.append(
              {
                actorId: e.openedBy,
                actorRole: null,
                action: 'case.stream',
                targetType: 'case',
                targetId: e.caseId,
                source: 'stream',
              },
              trx,
            );
          }
        });
        return;
      case 'segment':
        await cases.putSegment({ ...e, format: 'wav', createdAt: e.at });
        return;
      case 'utterance':
        await cases.putUtterance({ ...e, verified: false, updatedAt: e.at });
        return;
      case 'suggestion':
        await cases.putSuggestion({ ...e, ts: e.at });
        return;
      case 'feedback':
        // Every step of an emergency (raised, acknowledged, taken over, outcome) is audited too.
        if (e.action.startsWith('alert_')) {
          await cases.transaction(async (repo, trx) => {
            await repo.putFeedback({ ...e, ts: e.at });
            await audit.append(
              {
                actorId: e.by,
                actorRole: e.by ? null : 'system',
                action: `alert.${e.action.slice('alert_'.length)}`,
                targetType: 'case',
                targetId: e.caseId,
                source: 'call',
                detail: { feedback_id: e.feedbackId, utterance_id: e.utteranceId, text: e.text },
              },
              trx,
            );
          });
          return;
        }
        await cases.putFeedback({ ...e, ts: e.at });
        return;
      case 'end':
        await cases.upsertCase({
          id: e.caseId,
          updatedAt: e.at,
          endedAt: e.at,
          endReason: e.reason,
          status: e.reason === 'interrupted' || e.reason === 'storage_unavailable' ? 'interrupted' : 'ended',
        });
        return;
    }
  };

  /**
   * Durable now (journal, fsynced: throws RecorderError when it cannot be), in the database soon
   * (queue; a failed database write keeps the journal for the next start).
   */
  const write = (caseId: string, entry: JournalEntry): void => {
    const call = live.get(caseId);
    if (!call && entry.t === 'feedback') {
      // After hang-up the case is in the database already: what is done afterwards (an alert's
      // outcome noted by a supervisor) goes straight there.
      late = late.then(() =>
        apply(entry).catch((err: unknown) =>
          logger.error({ err, case_id: caseId, kind: entry.t }, 'archive: late database write failed'),
        ),
      );
      return;
    }
    if (!call) {
      logger.warn(
        { case_id: caseId, kind: entry.t },
        'archive: item for a call that was not started; dropped',
      );
      return;
    }
    durably('journal write', () => call.journal.append(entry));
    call.queue = call.queue.then(() =>
      apply(entry).catch((err: unknown) => {
        call.failed = true;
        health?.report(err, 'archive database write');
        logger.error(
          { err, case_id: caseId, kind: entry.t },
          'archive: database write failed; kept in journal',
        );
      }),
    );
  };

  /** File fsynced, then its journal line: throws RecorderError when either cannot be made durable. */
  const storeAudio = (
    caseId: string,
    segmentId: string,
    kind: 'utterance' | 'call',
    channels: Int16Array[],
    sampleRate: number,
    meta: {
      speaker: string | null;
      channel: number | null;
      startMs: number;
      endMs: number;
      endSample?: number;
    },
  ): void => {
    // Exclusive: audio of a live call is evidence and never replaces a file already there.
    const blob = durably('audio write', () =>
      blobs.putSync(segmentBlobKey(caseId, segmentId, 'wav'), writeWav(channels, sampleRate), {
        exclusive: true,
      }),
    );
    write(caseId, {
      t: 'segment',
      caseId,
      segmentId,
      kind,
      ...meta,
      blobKey: blob.key,
      sha256: blob.sha256,
      bytes: blob.bytes,
      at: clock(),
    });
  };

  const writePendingAudio = (call: LiveCall): void => {
    if (call.pendingSamples === 0) return;
    const batch = Buffer.concat(call.pending);
    call.pending = [];
    call.pendingSamples = 0;
    durably('audio journal write', () => call.audioJournal.append(batch));
  };

  const flushCallAudio = (caseId: string, call: LiveCall): void => {
    if (call.bufferedSamples === 0) return;
    const channels = call.callAudio.map((parts) => {
      const out = new Int16Array(call.bufferedSamples);
      let offset = 0;
      for (const p of parts) {
        out.set(p.subarray(0, call.bufferedSamples - offset), offset);
        offset += p.length;
      }
      return out;
    });
    const startMs = Math.round((call.writtenSamples / call.sampleRate) * 1000);
    const endMs = Math.round(((call.writtenSamples + call.bufferedSamples) / call.sampleRate) * 1000);
    const endSample = call.writtenSamples + call.bufferedSamples;
    storeAudio(caseId, `call-${String(call.chunk).padStart(4, '0')}`, 'call', channels, call.sampleRate, {
      speaker: null,
      channel: null,
      startMs,
      endMs,
      endSample,
    });
    call.chunk += 1;
    call.writtenSamples = endSample;
    call.bufferedSamples = 0;
    call.callAudio = call.callAudio.map(() => []);
    // Everything received is in the fsynced chunk now: the audio journal starts over from here.
    call.pending = [];
    call.pendingSamples = 0;
    durably('audio journal reset', () => call.audioJournal.reset(endSample));
  };

  /** Final text, the suggestion shown, agent feedback and alerts; partials are not archived. */
  const archiveEvent = (event: ServerEvent): void => {
    const at = event.ts;
    const caseId = event.case_id;
    if (event.type === 'speech_end') {
      const call = live.get(caseId);
      if (call) flushCallAudio(caseId, call);
    } else if (event.type === 'final') {
      write(caseId, {
        t: 'utterance',
        caseId,
        utteranceId: event.utterance_id,
        speaker: event.speaker,
        channel: event.channel,
        startMs: event.start_ms,
        endMs: event.end_ms,
        rawText: event.text,
        correctedText: event.corrected_text,
        redactedText: redact(event.corrected_text, 'archive').text,
        edits: event.edits,
        at,
      });
    } else if (event.type === 'suggestion' && !event.speculative) {
      write(caseId, {
        t: 'suggestion',
        caseId,
        utteranceId: event.utterance_id,
        kbVersion: event.kb_version,
        faqIds: event.faq_candidates.map((f) => f.faq_id),
        citedFaqIds: event.cited_faq_ids,
        replyScript: event.reply_script,
        tier: event.tier,
        source: event.source,
        at,
      });
    } else if (event.type === 'feedback') {
      write(caseId, {
        t: 'feedback',
        caseId,
        feedbackId: `ws-${event.seq}`,
        utteranceId: event.utterance_id ?? null,
        action: FEEDBACK_ACTIONS[event.action] ?? event.action,
        faqId: event.faq_id ?? null,
        text: event.text ?? null,
        by: event.by,
        at,
      });
    } else if (event.type === 'alert') {
      write(caseId, {
        t: 'feedback',
        caseId,
        feedbackId: `ws-${event.seq}`,
        utteranceId: event.utterance_id,
        action: `alert_${event.level}`,
        faqId: null,
        text: `${event.reason}（${event.category}，${event.protocol}）`,
        by: null,
        at,
      });
    } else if (event.type === 'alert_action') {
      write(caseId, {
        t: 'feedback',
        caseId,
        feedbackId: `ws-${event.seq}`,
        utteranceId: null,
        action: `alert_${event.action}`,
        faqId: null,
        // Which alert, and the note (the outcome) if any.
        text: `#${event.alert_seq}${event.note ? ` ${event.note}` : ''}`,
        by: event.by,
        at,
      });
    }
  };

  /**
   * The received audio a killed process had not yet put in a chunk: the audio journal from where
   * the last chunk ended, stored as one more `call-NNNN` chunk.
   */
  const recoverAudio = async (
    path: string,
    start: Extract<JournalEntry, { t: 'start' }>,
    entries: readonly JournalEntry[],
  ): Promise<void> => {
    const journal = readAudioJournal(path);
    const channels = start.channels ?? 0;
    const rate = start.sampleRate ?? 0;
    if (!journal || channels < 1 || rate < 1) return;
    const chunks = entries.filter(
      (e): e is Extract<JournalEntry, { t: 'segment' }> => e.t === 'segment' && e.kind === 'call',
    );
    const covered = Math.max(0, ...chunks.map((c) => c.endSample ?? 0));
    const frameBytes = 2 * channels;
    const skip = Math.max(0, covered - journal.startSample) * frameBytes;
    const usable = journal.pcm.subarray(
      skip,
      skip + Math.floor((journal.pcm.byteLength - skip) / frameBytes) * frameBytes,
    );
    if (usable.byteLength === 0) return;
    const samples = new Int16Array(
      usable.buffer.slice(usable.byteOffset, usable.byteOffset + usable.byteLength),
    );
    const perChannel = Array.from({ length: channels }, (_, ch) => {
      const out = new Int16Array(samples.length / channels);
      for (let i = 0; i < out.length; i++) out[i] = samples[i * channels + ch] as number;
      return out;
    });
    const from = Math.max(covered, journal.startSample);
    // After every chunk of the case (earlier runs included), never over one.
    const stored = (await cases.listSegments(start.caseId)).filter((s) => s.kind === 'call').length;
    const segmentId = `call-${String(stored).padStart(4, '0')}`;
    const blob = blobs.putSync(segmentBlobKey(start.caseId, segmentId, 'wav'), writeWav(perChannel, rate), {
      exclusive: true,
    });
    await apply({
      t: 'segment',
      caseId: start.caseId,
      segmentId,
      kind: 'call',
      speaker: null,
      channel: null,
      startMs: Math.round((from / rate) * 1000),
      endMs: Math.round(((from + (perChannel[0]?.length ?? 0)) / rate) * 1000),
      blobKey: blob.key,
      sha256: blob.sha256,
      bytes: blob.bytes,
      at: clock(),
    });
    logger.warn(
      { case_id: start.caseId, ms: Math.round(((perChannel[0]?.length ?? 0) / rate) * 1000) },
      'archive: recovered received audio from the audio journal',
    );
  };

  /** A stream may use a case id the archive knows only while that case is live, not held, and its own. */
  const admit = async (info: CallStartInfo): Promise<void> => {
    if (health && !health.ok())
      throw new RecorderError(
        'storage_unavailable',
        `storage is unavailable (${health.reason()}); no new calls`,
      );
    let existing: CaseRow | null;
    try {
      existing = await cases.getCase(info.caseId);
    } catch (err) {
      health?.report(err, 'case lookup');
      throw storageRefusal(err);
    }
    if (!existing) return;
    if (existing.legalHold || !cutOff(existing)) {
      throw new RecorderError(
        'case_archived',
        `case ${info.caseId} is already archived (${existing.legalHold ? 'on legal hold' : `${existing.status}: ${existing.endReason ?? 'recorded'}`}); a new stream cannot add to or overwrite it: use a new case id`,
      );
    }
    if (!ownsCase(existing, info.principal))
      throw new RecorderError('forbidden', `case ${info.caseId} belongs to someone else`);
  };

  const writer: ArchiveWriter = {
    async callStarted(info: CallStartInfo) {
      const previous = live.get(info.caseId);
      if (previous) return; // a resumed call keeps its journal
      await admit(info);
      // A case started again (a new run after a server restart) continues its call audio after the
      // earlier run's chunks: never over them.
      const earlierChunks = (await cases.listSegments(info.caseId)).filter((s) => s.kind === 'call').length;
      const journal = durably('journal open', () => openJournal(journalDir, info.caseId));
      let audioJournal: AudioJournal;
      try {
        audioJournal = durably('audio journal open', () => openAudioJournal(journal));
      } catch (err) {
        journal.remove();
        throw err;
      }
      const call: LiveCall = {
        journal,
        audioJournal,
        pending: [],
        pendingSamples: 0,
        queue: Promise.resolve(),
        callAudio: [],
        bufferedSamples: 0,
        sampleRate: info.sampleRate,
        writtenSamples: 0,
        chunk: earlierChunks,
        failed: false,
      };
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
        durably('journal write', () => journal.append(entry));
        // `started` acknowledges the case row itself: wait for it.
        await apply(entry);
      } catch (err) {
        audioJournal.close();
        journal.remove();
        health?.report(err, 'case row write');
        throw err instanceof RecorderError ? err : storageRefusal(err);
      }
      live.set(info.caseId, call);
    },

    callAudio(caseId, channels) {
      const call = live.get(caseId);
      if (!call || channels.length === 0) return;
      if (call.callAudio.length !== channels.length) call.callAudio = channels.map(() => []);
      channels.forEach((c, i) => call.callAudio[i]?.push(c));
      const samples = channels[0]?.length ?? 0;
      call.bufferedSamples += samples;
      call.pending.push(interleavedBytes(channels));
      call.pendingSamples += samples;
      if (call.bufferedSamples >= (CALL_CHUNK_MS / 1000) * call.sampleRate) flushCallAudio(caseId, call);
      else if (call.pendingSamples >= (AUDIO_JOURNAL_BATCH_MS / 1000) * call.sampleRate)
        writePendingAudio(call);
    },

    utteranceAudio(segment: UtteranceAudio) {
      storeAudio(segment.caseId, segment.utteranceId, 'utterance', [segment.pcm], segment.sampleRate, {
        speaker: segment.speaker,
        channel: segment.channel,
        startMs: segment.startMs,
        endMs: segment.endMs,
      });
    },

    event(event: ServerEvent) {
      archiveEvent(event);
    },

    async callEnded(caseId, reason: CallEndReason) {
      const call = live.get(caseId);
      if (!call) return;
      try {
        flushCallAudio(caseId, call);
        write(caseId, { t: 'end', caseId, reason, at: clock() });
      } catch (err) {
        // This process is done with the call either way; its journals stay for the next start.
        live.delete(caseId);
        call.audioJournal.close();
        call.journal.close();
        throw err;
      }
      live.delete(caseId);
      await call.queue;
      call.audioJournal.close();
      if (call.failed) call.journal.close();
      else call.journal.remove();
    },

    async recover() {
      const journals = leftoverJournals(journalDir);
      for (const { path, entries } of journals) {
        for (const entry of entries) await apply(entry);
        const first = entries[0];
        if (first?.t === 'start') await recoverAudio(path, first, entries);
        if (first && !entries.some((e) => e.t === 'end')) {
          await apply({ t: 'end', caseId: first.caseId, reason: 'interrupted', at: clock() });
          logger.warn(
            { case_id: first.caseId, items: entries.length },
            'archive: recovered a call cut off by a crash',
          );
        }
        rmSync(path, { force: true });
        rmSync(audioJournalPath(path), { force: true });
      }
      for (const stray of strayAudioJournals(journalDir)) rmSync(stray, { force: true });
      return journals.length;
    },

    sweepOrphans: () => sweepOrphans({ cases, blobs, audit, logger, clock }),

    async flush() {
      await Promise.all([...live.values()].map((c) => c.queue));
      await late;
    },
  };
  return writer;
}

/** Channels → interleaved PCM16 bytes (the audio journal's layout). */
function interleavedBytes(channels: readonly Int16Array[]): Buffer {
  const n = channels[0]?.length ?? 0;
  if (channels.length === 1) {
    const c = channels[0] as Int16Array;
    return Buffer.from(c.buffer.slice(c.byteOffset, c.byteOffset + c.byteLength));
  }
  const out = new Int16Array(n * channels.length);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < channels.length; ch++) out[i * channels.length + ch] = channels[ch]?.[i] ?? 0;
  return Buffer.from(out.buffer);
}
