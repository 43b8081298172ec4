import type { CaseSearch } from '../store/index.js';
import type { Actor } from './auth-service.js';
import { caseAuditEntry, readableCase, type Viewer } from './case-access.js';
import { recordCase, type CaseRecordDeps, type RecordResult } from './case-record.js';
import type { CaseSummary, CaseView } from '../protocol/index.js';
import { caseSummary, caseView } from './case-view.js';
import { CaseError } from './errors.js';

export interface CaseService {
  /** Validates everything (including audio) before storing anything; one transaction for the rows. */
  record(body: unknown, viewer: Viewer): Promise<RecordResult>;
  get(caseId: string, viewer: Viewer): Promise<CaseView>;
  search(query: Omit<CaseSearch, 'ownedBy'>, viewer: Viewer): Promise<CaseSummary[]>;
  audio(
    caseId: string,
    segmentId: string,
    viewer: Viewer,
  ): Promise<{ format: 'wav' | 'opus'; data: Uint8Array; sha256: string }>;
  setHold(caseId: string, hold: boolean, reason: string | null, actor: Actor): Promise<void>;
}

export type CaseServiceDeps = CaseRecordDeps;

/** The archive's case API: record (case-record.ts), read as each role may (case-view.ts), search, audio, hold. */
export function createCaseService(deps: CaseServiceDeps): CaseService {
  const { cases, audit, blobs, redact } = deps;
  return {
    record: (input, viewer) => recordCase(deps, input, viewer),

    async get(caseId, viewer) {
      const row = await readableCase(cases, caseId, viewer);
      const [utterances, suggestions, feedback, segments, history] = await Promise.all([
        cases.listUtterances(caseId),
        cases.listSuggestions(caseId),
        cases.listFeedback(caseId),
        cases.listSegments(caseId),
        viewer.principal.role === 'supervisor' ? cases.listHistory(caseId) : Promise.resolve(null),
      ]);
      await audit.append(caseAuditEntry(viewer, 'case.read', caseId));
      return caseView(
        { row, utterances, suggestions, feedback, segments, history },
        viewer.principal,
        redact,
      );
    },

    async search(query, viewer) {
      const p = viewer.principal;
      if (p.role === 'agent' && query.agentId !== undefined && query.agentId !== p.id) {
        throw new CaseError('forbidden', 'not_your_case', 'agents search their own calls only');
      }
      const rows = await cases.search({ ...query, ownedBy: p.role === 'agent' ? p.id : undefined });
      await audit.append(
        caseAuditEntry(viewer, 'case.search', null, {
          query: { ...query, text: query.text === undefined ? undefined : redact(query.text, 'logs').text },
          results: rows.length,
        }),
      );
      return rows.map(caseSummary);
    },

    async audio(caseId, segmentId, viewer) {
      await readableCase(cases, caseId, viewer);
      const segment = await cases.getSegment(caseId, segmentId);
      if (!segment)
        throw new CaseError('not_found', 'unknown_segment', `case ${caseId} has no segment ${segmentId}`);
      const data = await blobs.get(segment.blobKey, segment.sha256);
      if (!data) throw new CaseError('not_found', 'audio_missing', `audio of segment ${segmentId} is gone`);
      await audit.append(caseAuditEntry(viewer, 'case.audio', caseId, { segment: segmentId }));
      return { format: segment.format, data, sha256: segment.sha256 };
    },

    async setHold(caseId, hold, reason, actor: Actor) {
      await cases.transaction(async (repo, trx) => {
        if (!(await repo.setHold(caseId, hold, reason)))
          throw new CaseError('not_found', 'unknown_case', `no case ${caseId}`);
        await audit.append(
          caseAuditEntry(actor, hold ? 'case.hold' : 'case.release', caseId, { reason }),
          trx,
        );
      });
    },
  };
}
