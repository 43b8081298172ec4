import type { Config, Logger } from '../config/index.js';
import {
  auditEntry,
  type AuditRepository,
  type BlobStore,
  type CaseRepository,
  type ConversationRepository,
  type DataClass,
  type Store,
} from '../store/index.js';
import type { Actor } from './auth-service.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export const dataClasses: readonly DataClass[] = [
  'audio',
  'raw_transcript',
  'corrected_transcript',
  'annotations',
];

export interface RetentionPolicy {
  /** Days each class is kept after the call ended (or was last changed, for calls never ended). */
  days: Record<DataClass | 'audit' | 'conversations', number>;
  purgeIntervalMinutes: number;
}

export interface PurgeReport {
  dryRun: boolean;
  now: number;
  /** Case ids whose data of each class expired (and was deleted unless dry run). */
  classes: Record<DataClass, string[]>;
  /** Cases whose every class expired: the case row itself is gone. */
  casesDeleted: string[];
  /** Audio files deleted (including ones a killed earlier run had left queued). */
  blobsDeleted: number;
  auditEntriesDeleted: number;
  /** Text-channel conversations (with their turns) past `conversations` days. */
  conversationsDeleted: number;
}

export interface RetentionService {
  policy(): RetentionPolicy;
  run(options: { dryRun?: boolean; actor?: Actor }): Promise<PurgeReport>;
  /** Starts the scheduled purge; returns a stop function. */
  schedule(): () => void;
}

export interface RetentionDeps {
  cases: CaseRepository;
  conversations: ConversationRepository;
  /** Scrubbed after a run that deleted anything, so deleted text is not left readable on disk. */
  store: Store;
  audit: AuditRepository;
  blobs: BlobStore;
  config: Config;
  logger: Logger;
  clock: () => number;
}

const systemActor: Actor = { principal: null, source: 'retention' };

/** Tables a purge deletes personal data from; scrubbed after a run that deleted anything. */
const PURGED_TABLES = [
  'cases',
  'case_utterances',
  'case_suggestions',
  'case_feedback',
  'case_history',
  'case_segments',
  'text_conversations',
  'text_conversation_turns',
  'audit_log',
];

/**
 * Deletes expired data class by class, case by case. Each (case, class) deletion and its audit
 * entry commit in one transaction; audio rows leave their file keys in a purge queue in that same
 * transaction, and the files are deleted after commit. A run killed at any point leaves the
 * database consistent, and the next run finishes the queue.
 */
export function createRetentionService(deps: RetentionDeps): RetentionService {
  const { cases, conversations, audit, blobs, store, config, logger, clock } = deps;
  const r = config.retention;
  const policy: RetentionPolicy = {
    days: {
      audio: r.audioDays,
      raw_transcript: r.rawTranscriptDays,
      corrected_transcript: r.correctedTranscriptDays,
      annotations: r.annotationsDays,
      audit: r.auditDays,
      conversations: r.conversationDays,
    },
    purgeIntervalMinutes: r.purgeIntervalMinutes,
  };
  let running: Promise<PurgeReport> | null = null;

  const drainBlobQueue = async (): Promise<number> => {
    let n = 0;
    for (const key of await cases.pendingBlobPurges()) {
      await blobs.delete(key);
      await cases.blobPurged(key);
      n += 1;
    }
    return n;
  };

  const run = async (dryRun: boolean, actor: Actor): Promise<PurgeReport> => {
    const now = clock();
    const cutoff = (days: number) => now - days * DAY_MS;
    const entry = (action: string, targetId: string | null, detail: Record<string, unknown>) =>
      auditEntry(actor, action, { type: 'case', id: targetId }, detail);
    const report: PurgeReport = {
      dryRun,
      now,
      classes: { audio: [], raw_transcript: [], corrected_transcript: [], annotations: [] },
      casesDeleted: [],
      blobsDeleted: 0,
      auditEntriesDeleted: 0,
      conversationsDeleted: 0,
    };
    if (!dryRun) report.blobsDeleted += await drainBlobQueue();

    for (const dataClass of dataClasses) {
      const ids = await cases.casesWithExpired(dataClass, cutoff(policy.days[dataClass]));
      report.classes[dataClass] = ids;
      if (dryRun) continue;
      for (const id of ids) {
        await cases.transaction(async (repo, trx) => {
          const rows = await repo.purgeClass(id, dataClass, now);
          await audit.append(entry('retention.purge', id, { class: dataClass, rows }), trx);
        });
      }
    }
    const longest = Math.max(...dataClasses.map((c) => policy.days[c]));
    report.casesDeleted = await cases.casesToDelete(cutoff(longest));
    if (!dryRun) {
      for (const id of report.casesDeleted) {
        await cases.transaction(async (repo, trx) => {
          await repo.deleteCase(id, now);
          await audit.append(entry('retention.delete_case', id, {}), trx);
        });
      }
      report.blobsDeleted += await drainBlobQueue();
      report.conversationsDeleted = (
        await conversations.purgeBefore(cutoff(policy.days.conversations))
      ).length;
      report.auditEntriesDeleted = await audit.purgeBefore(cutoff(policy.days.audit));
      await audit.append({
        ...entry('retention.run', null, {
          cases: Object.fromEntries(dataClasses.map((c) => [c, report.classes[c].length])),
          casesDeleted: report.casesDeleted.length,
          blobsDeleted: report.blobsDeleted,
          auditEntriesDeleted: report.auditEntriesDeleted,
          conversationsDeleted: report.conversationsDeleted,
        }),
        targetType: 'retention',
      });
      const deletedAnything =
        dataClasses.some((c) => report.classes[c].length > 0) ||
        report.casesDeleted.length + report.conversationsDeleted + report.auditEntriesDeleted > 0;
      if (deletedAnything) await store.scrub(PURGED_TABLES);
    }
    return report;
  };

  return {
    policy: () => policy,
    run({ dryRun = false, actor = systemActor }) {
      // One purge at a time in this process; a scheduled run and a manual one share the result.
      if (dryRun) return run(true, actor);
      running ??= run(false, actor).finally(() => {
        running = null;
      });
      return running;
    },
    schedule() {
      const timer = setInterval(() => {
        void this.run({}).catch((err: unknown) => logger.error({ err }, 'retention: scheduled purge failed'));
      }, policy.purgeIntervalMinutes * 60_000);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
