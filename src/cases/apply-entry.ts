import type { AuditRepository, CaseRepository } from '../store/index.js';
import type { JournalEntry } from './journal.js';

export type ApplyEntry = (entry: JournalEntry) => Promise<void>;

/**
 * Writes one journal item to the database (case row, segment, utterance, suggestion, feedback,
 * end). Idempotent upserts: the same journal replayed at a restart changes nothing.
 */
export function createEntryApplier(deps: { cases: CaseRepository; audit: AuditRepository }): ApplyEntry {
  const { cases, audit } = deps;
  return async (e: JournalEntry): Promise<void> => {
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
}
