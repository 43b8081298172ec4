import type { Kysely, Transaction } from 'kysely';
import { caseExportQueries, type CaseExportQueries } from './case-export-queries.js';
import { caseRetentionQueries, type CaseRetentionQueries } from './case-retention-queries.js';
import {
  json,
  toCase,
  toFeedback,
  toHistory,
  toSegment,
  toSuggestion,
  toUtterance,
  type CaseDb,
  type CaseRow,
  type CaseSearch,
  type CaseTables,
  type FeedbackRow,
  type HistoryRow,
  type SegmentRow,
  type SuggestionRow,
  type UtteranceRow,
} from './case-rows.js';
import type { Store } from './database.js';
import { migrateDomain } from './migrations/index.js';

/** The call archive: one case's record (rows in, rows out), plus the retention and export queries. */
export interface CaseRepository extends CaseRetentionQueries, CaseExportQueries {
  /** Runs `fn` in one transaction; `trx` lets the audit entry commit with the change. */
  transaction<T>(fn: (repo: CaseRepository, trx: Transaction<unknown>) => Promise<T>): Promise<T>;
  /** Inserts the case, or updates the given fields of an existing one. */
  upsertCase(row: Partial<CaseRow> & { id: string; updatedAt: number }): Promise<void>;
  getCase(id: string): Promise<CaseRow | null>;
  /** Legal hold; does not touch `updated_at`, so it never moves the retention clock. */
  setHold(id: string, hold: boolean, reason: string | null): Promise<boolean>;
  search(query: CaseSearch): Promise<CaseRow[]>;
  getRevision(caseId: string, revision: number): Promise<{ bodySha256: string } | null>;
  addRevision(caseId: string, revision: number, bodySha256: string, at: number): Promise<void>;
  putSegment(row: SegmentRow): Promise<void>;
  getSegment(caseId: string, segmentId: string): Promise<SegmentRow | null>;
  listSegments(caseId: string): Promise<SegmentRow[]>;
  putUtterance(row: UtteranceRow): Promise<void>;
  listUtterances(caseId: string): Promise<UtteranceRow[]>;
  putSuggestion(row: SuggestionRow): Promise<void>;
  listSuggestions(caseId: string): Promise<SuggestionRow[]>;
  /** Idempotent on (case, feedback id). */
  putFeedback(row: FeedbackRow): Promise<void>;
  listFeedback(caseId: string): Promise<FeedbackRow[]>;
  addHistory(rows: readonly HistoryRow[]): Promise<void>;
  listHistory(caseId: string): Promise<HistoryRow[]>;
}

const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function caseColumns(row: Partial<CaseRow>): Partial<CaseTables['cases']> {
  const out: Partial<CaseTables['cases']> = {};
  const map: Array<[keyof CaseRow, keyof CaseTables['cases']]> = [
    ['agentId', 'agent_id'],
    ['openedBy', 'opened_by'],
    ['status', 'status'],
    ['startedAt', 'started_at'],
    ['endedAt', 'ended_at'],
    ['endReason', 'end_reason'],
    ['category', 'category'],
    ['agency', 'agency'],
    ['notes', 'notes'],
    ['revision', 'revision'],
    ['holdReason', 'hold_reason'],
    ['asrVersion', 'asr_version'],
    ['updatedAt', 'updated_at'],
  ];
  for (const [from, to] of map) if (row[from] !== undefined) (out as Record<string, unknown>)[to] = row[from];
  if (row.legalHold !== undefined) out.legal_hold = row.legalHold ? 1 : 0;
  return out;
}

const HISTORY_ROWS_PER_INSERT = 500;

function repository(db: CaseDb, root: Kysely<CaseTables>): CaseRepository {
  return {
    ...caseRetentionQueries(db),
    ...caseExportQueries(db),
    transaction: (fn) =>
      root.transaction().execute((trx) => fn(repository(trx, root), trx as unknown as Transaction<unknown>)),

    async upsertCase(row) {
      const columns = caseColumns(row);
      await db
        .insertInto('cases')
        .values({
          id: row.id,
          agent_id: null,
          opened_by: null,
          status: 'live',
          started_at: row.startedAt ?? row.updatedAt,
          ended_at: null,
          end_reason: null,
          category: null,
          agency: null,
          notes: null,
          revision: 0,
          legal_hold: 0,
          hold_reason: null,
          asr_version: null,
          created_at: row.updatedAt,
          ...columns,
          updated_at: row.updatedAt,
        })
        .onConflict((oc) => oc.column('id').doUpdateSet(columns))
        .execute();
    },
    async getCase(id) {
      const row = await db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toCase(row) : null;
    },
    async setHold(id, hold, reason) {
      const result = await db
        .updateTable('cases')
        .set({ legal_hold: hold ? 1 : 0, hold_reason: hold ? reason : null })
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async search(q) {
      let query = db.selectFrom('cases').selectAll();
      if (q.from !== undefined) query = query.where('started_at', '>=', q.from);
      if (q.to !== undefined) query = query.where('started_at', '<', q.to);
      if (q.agentId) query = query.where('agent_id', '=', q.agentId);
      if (q.ownedBy) {
        const owner = q.ownedBy;
        query = query.where((eb) => eb.or([eb('agent_id', '=', owner), eb('opened_by', '=', owner)]));
      }
      if (q.agency) query = query.where('agency', '=', q.agency);
      if (q.text) {
        const pattern = likePattern(q.text);
        query = query.where((eb) =>
          eb.or([
            eb('notes', 'like', pattern),
            eb('category', 'like', pattern),
            eb('agency', 'like', pattern),
            eb.exists(
              eb
                .selectFrom('case_utterances')
                .select('utterance_id')
                .whereRef('case_utterances.case_id', '=', 'cases.id')
                .where('redacted_text', 'like', pattern),
            ),
          ]),
        );
      }
      const rows = await query
        .orderBy('started_at', 'desc')
        .orderBy('id')
        .limit(Math.min(q.limit ?? 50, 500))
        .offset(q.offset ?? 0)
        .execute();
      return rows.map(toCase);
    },
    async getRevision(caseId, revision) {
      const row = await db
        .selectFrom('case_revisions')
        .select('body_sha256')
        .where('case_id', '=', caseId)
        .where('revision', '=', revision)
        .executeTakeFirst();
      return row ? { bodySha256: row.body_sha256 } : null;
    },
    async addRevision(caseId, revision, bodySha256, at) {
      await db
        .insertInto('case_revisions')
        .values({ case_id: caseId, revision, body_sha256: bodySha256, created_at: at })
        .execute();
    },
    async putSegment(s) {
      const values = {
        case_id: s.caseId,
        segment_id: s.segmentId,
        kind: s.kind,
        speaker: s.speaker,
        channel: s.channel,
        start_ms: s.startMs,
        end_ms: s.endMs,
        format: s.format,
        blob_key: s.blobKey,
        sha256: s.sha256,
        bytes: s.bytes,
        created_at: s.createdAt,
      };
      const { case_id: _c, segment_id: _s, ...update } = values;
      await db
        .insertInto('case_segments')
        .values(values)
        .onConflict((oc) => oc.columns(['case_id', 'segment_id']).doUpdateSet(update))
        .execute();
    },
    async getSegment(caseId, segmentId) {
      const row = await db
        .selectFrom('case_segments')
        .selectAll()
        .where('case_id', '=', caseId)
        .where('segment_id', '=', segmentId)
        .executeTakeFirst();
      return row ? toSegment(row) : null;
    },
    async listSegments(caseId) {
      const rows = await db
        .selectFrom('case_segments')
        .selectAll()
        .where('case_id', '=', caseId)
        .orderBy('start_ms')
        .orderBy('segment_id')
        .execute();
      return rows.map(toSegment);
    },
    async putUtterance(u) {
      const values = {
        case_id: u.caseId,
        utterance_id: u.utteranceId,
        speaker: u.speaker,
        channel: u.channel,
        start_ms: u.startMs,
        end_ms: u.endMs,
        raw_text: u.rawText,
        corrected_text: u.correctedText,
        redacted_text: u.redactedText,
        edits: u.edits === null ? null : json(u.edits),
        verified: u.verified ? 1 : 0,
        updated_at: u.updatedAt,
      };
      const { case_id: _c, utterance_id: _u, ...update } = values;
      await db
        .insertInto('case_utterances')
        .values(values)
        .onConflict((oc) => oc.columns(['case_id', 'utterance_id']).doUpdateSet(update))
        .execute();
    },
    async listUtterances(caseId) {
      const rows = await db
        .selectFrom('case_utterances')
        .selectAll()
        .where('case_id', '=', caseId)
        .orderBy('start_ms')
        .orderBy('utterance_id')
        .execute();
      return rows.map(toUtterance);
    },
    async putSuggestion(s) {
      const values = {
        case_id: s.caseId,
        utterance_id: s.utteranceId,
        kb_version: s.kbVersion,
        faq_ids: json(s.faqIds),
        cited_faq_ids: json(s.citedFaqIds),
        reply_script: s.replyScript,
        tier: s.tier,
        source: s.source,
        ts: s.ts,
      };
      const { case_id: _c, utterance_id: _u, ...update } = values;
      await db
        .insertInto('case_suggestions')
        .values(values)
        .onConflict((oc) => oc.columns(['case_id', 'utterance_id']).doUpdateSet(update))
        .execute();
    },
    async listSuggestions(caseId) {
      const rows = await db
        .selectFrom('case_suggestions')
        .selectAll()
        .where('case_id', '=', caseId)
        .orderBy('ts')
        .execute();
      return rows.map(toSuggestion);
    },
    async putFeedback(f) {
      await db
        .insertInto('case_feedback')
        .values({
          case_id: f.caseId,
          feedback_id: f.feedbackId,
          utterance_id: f.utteranceId,
          action: f.action,
          faq_id: f.faqId,
          text: f.text,
          by: f.by,
          ts: f.ts,
        })
        .onConflict((oc) => oc.columns(['case_id', 'feedback_id']).doNothing())
        .execute();
    },
    async listFeedback(caseId) {
      const rows = await db
        .selectFrom('case_feedback')
        .selectAll()
        .where('case_id', '=', caseId)
        .orderBy('ts')
        .orderBy('feedback_id')
        .execute();
      return rows.map(toFeedback);
    },
    async addHistory(rows) {
      // Multi-row inserts, well under both engines' bound-parameter limits.
      for (let i = 0; i < rows.length; i += HISTORY_ROWS_PER_INSERT) {
        await db
          .insertInto('case_history')
          .values(
            rows.slice(i, i + HISTORY_ROWS_PER_INSERT).map((h) => ({
              case_id: h.caseId,
              revision: h.revision,
              item: h.item,
              previous: json(h.previous),
              changed_by: h.changedBy,
              changed_at: h.changedAt,
              data_class: h.dataClass,
            })),
          )
          .onConflict((oc) => oc.columns(['case_id', 'revision', 'item']).doNothing())
          .execute();
      }
    },
    async listHistory(caseId) {
      const rows = await db
        .selectFrom('case_history')
        .selectAll()
        .where('case_id', '=', caseId)
        .orderBy('revision')
        .orderBy('item')
        .execute();
      return rows.map(toHistory);
    },
  };
}

export async function createCaseRepository(store: Store): Promise<CaseRepository> {
  await migrateDomain(store, 'cases');
  const db = store.db.withTables<CaseTables>();
  return repository(db, db);
}
