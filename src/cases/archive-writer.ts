import { rmSync } from 'node:fs';
import type { Logger } from '../config/index.js';
import type { ServerEvent } from '../protocol/index.js';
import type { CallRecorder, CallStartInfo, UtteranceAudio } from '../session/recorder.js';
import { writeWav } from '../audio/index.js';
import type { AuditRepository } from '../store/audit-repository.js';
import type { BlobStore } from '../store/blob-store.js';
import type { CaseRepository } from '../store/case-repository.js';
import { segmentBlobKey } from './blob-keys.js';
import { leftoverJournals, openJournal, type CallJournal, type JournalEntry } from './journal.js';
import type { Redactor } from './redaction.js';

/**
 * Whole-call audio is written at every utterance end (before `speech_end` reaches any client, so
 * an acknowledged utterance's audio is on disk) and at least this often during long speech.
 */
const CALL_CHUNK_MS = 30_000;

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

export interface ArchiveWriter extends CallRecorder {
  /** Replays journals of calls a killed process left behind; those calls become `interrupted`. */
  recover(): Promise<number>;
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
}

/**
 * The `CallRecorder` the live pipeline calls as the call happens. Each item is made durable
 * synchronously (audio file fsynced + journal line fsynced) before the call returns, then written
 * to the database in order; the journal is removed once the call has ended and all rows are in.
 */
export function createArchiveWriter(deps: ArchiveWriterDeps): ArchiveWriter {
  const { cases, audit, blobs, redact, logger, clock, journalDir } = deps;
  const live = new Map<string, LiveCall>();
  /** Database writes for calls that already ended, in order. */
  let late: Promise<void> = Promise.resolve();

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
          status: e.reason === 'interrupted' ? 'interrupted' : 'ended',
        });
        return;
    }
  };

  /** Durable now (journal), in the database soon (queue). Never throws into the pipeline. */
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
    try {
      call.journal.append(entry);
    } catch (err) {
      logger.error({ err, case_id: caseId }, 'archive: journal write failed');
    }
    call.queue = call.queue.then(() =>
      apply(entry).catch((err: unknown) => {
        call.failed = true;
        logger.error(
          { err, case_id: caseId, kind: entry.t },
          'archive: database write failed; kept in journal',
        );
      }),
    );
  };

  const storeAudio = (
    caseId: string,
    segmentId: string,
    kind: 'utterance' | 'call',
    channels: Int16Array[],
    sampleRate: number,
    meta: { speaker: string | null; channel: number | null; startMs: number; endMs: number },
  ): void => {
    try {
      const blob = blobs.putSync(segmentBlobKey(caseId, segmentId, 'wav'), writeWav(channels, sampleRate));
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
    } catch (err) {
      logger.error({ err, case_id: caseId, segment: segmentId }, 'archive: audio write failed');
    }
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
    storeAudio(caseId, `call-${String(call.chunk).padStart(4, '0')}`, 'call', channels, call.sampleRate, {
      speaker: null,
      channel: null,
      startMs,
      endMs,
    });
    call.chunk += 1;
    call.writtenSamples += call.bufferedSamples;
    call.bufferedSamples = 0;
    call.callAudio = call.callAudio.map(() => []);
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

  const writer: ArchiveWriter = {
    async callStarted(info: CallStartInfo) {
      const previous = live.get(info.caseId);
      if (previous) return; // a resumed call keeps its journal
      // A case started again (after a server restart) continues its call audio after the earlier run's.
      const earlierChunks = (await cases.listSegments(info.caseId)).filter((s) => s.kind === 'call').length;
      const journal = openJournal(journalDir, info.caseId);
      const call: LiveCall = {
        journal,
        queue: Promise.resolve(),
        callAudio: [],
        bufferedSamples: 0,
        sampleRate: info.sampleRate,
        writtenSamples: 0,
        chunk: earlierChunks,
        failed: false,
      };
      live.set(info.caseId, call);
      write(info.caseId, {
        t: 'start',
        caseId: info.caseId,
        agentId: info.agentId ?? null,
        openedBy: info.openedBy ?? null,
        startedAt: info.startedAt.getTime(),
        asrVersion: info.asrVersion,
      });
      await call.queue;
    },

    callAudio(caseId, channels) {
      const call = live.get(caseId);
      if (!call || channels.length === 0) return;
      if (call.callAudio.length !== channels.length) call.callAudio = channels.map(() => []);
      channels.forEach((c, i) => call.callAudio[i]?.push(c));
      call.bufferedSamples += channels[0]?.length ?? 0;
      if (call.bufferedSamples >= (CALL_CHUNK_MS / 1000) * call.sampleRate) flushCallAudio(caseId, call);
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
      try {
        archiveEvent(event);
      } catch (err) {
        logger.error({ err, case_id: event.case_id, type: event.type }, 'archive: event not archived');
      }
    },

    async callEnded(caseId, reason) {
      const call = live.get(caseId);
      if (!call) return;
      flushCallAudio(caseId, call);
      write(caseId, { t: 'end', caseId, reason, at: clock() });
      live.delete(caseId);
      await call.queue;
      if (call.failed) call.journal.close();
      else call.journal.remove();
    },

    async recover() {
      const journals = leftoverJournals(journalDir);
      for (const { path, entries } of journals) {
        for (const entry of entries) await apply(entry);
        const first = entries[0];
        if (first && !entries.some((e) => e.t === 'end')) {
          await apply({ t: 'end', caseId: first.caseId, reason: 'interrupted', at: clock() });
          logger.warn(
            { case_id: first.caseId, items: entries.length },
            'archive: recovered a call cut off by a crash',
          );
        }
        rmSync(path, { force: true });
      }
      return journals.length;
    },

    async flush() {
      await Promise.all([...live.values()].map((c) => c.queue));
      await late;
    },
  };
  return writer;
}
