import type { ExpressionBuilder, Kysely, Migration, Transaction } from 'kysely';
import type { Store } from './database.js';

export type CaseTables = {
  cases: {
    id: string;
    agent_id: string | null;
    opened_by: string | null;
    status: string;
    started_at: number;
    ended_at: number | null;
    end_reason: string | null;
    category: string | null;
    agency: string | null;
    notes: string | null;
    revision: number;
    legal_hold: number;
    hold_reason: string | null;
    asr_version: string | null;
    created_at: number;
    updated_at: number;
  };
  case_revisions: { case_id: string; revision: number; body_sha256: string; created_at: number };
  case_segments: {
    case_id: string;
    segment_id: string;
    kind: string;
    speaker: string | null;
    channel: number | null;
    start_ms: number;
    end_ms: number;
    format: string;
    blob_key: string;
    sha256: string;
    bytes: number;
    created_at: number;
  };
  case_utterances: {
    case_id: string;
    utterance_id: string;
    speaker: string;
    channel: number;
    start_ms: number;
    end_ms: number;
    raw_text: string | null;
    corrected_text: string | null;
    redacted_text: string | null;
    edits: string | null;
    verified: number;
    updated_at: number;
  };
  case_suggestions: {
    case_id: string;
    utterance_id: string;
    kb_version: number | null;
    faq_ids: string;
    cited_faq_ids: string;
    reply_script: string;
    tier: string | null;
    source: string | null;
    ts: number;
  };
  case_feedback: {
    case_id: string;
    feedback_id: string;
    utterance_id: string | null;
    action: string;
    faq_id: string | null;
    text: string | null;
    by: string | null;
    ts: number;
  };
  /** Blobs whose rows are already deleted; emptied after the files are gone (crash-safe purge). */
  blob_purge_queue: { blob_key: string; queued_at: number };
  /** Values a later revision replaced, so a correction never erases what was there (purged with its class). */
  case_history: {
    case_id: string;
    revision: number;
    item: string;
    previous: string;
    changed_by: string | null;
    changed_at: number;
    data_class: string;
  };
};

export type CaseStatus = 'live' | 'ended' | 'interrupted';

export interface CaseRow {
  id: string;
  agentId: string | null;
  openedBy: string | null;
  status: CaseStatus;
  startedAt: number;
  endedAt: number | null;
  endReason: string | null;
  category: string | null;
  agency: string | null;
  notes: string | null;
  revision: number;
  legalHold: boolean;
  holdReason: string | null;
  asrVersion: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface SegmentRow {
  caseId: string;
  segmentId: string;
  /**
   * `utterance`: cut by VAD; `call`: a chunk of the whole call as received; `upload`: sent with a
   * record; `recovered`: a file found on disk with no row (a crash between file and row), adopted at start.
   */
  kind: 'utterance' | 'call' | 'upload' | 'recovered';
  speaker: string | null;
  channel: number | null;
  startMs: number;
  endMs: number;
  format: 'wav' | 'opus';
  blobKey: string;
  sha256: string;
  bytes: number;
  createdAt: number;
}

export interface UtteranceRow {
  caseId: string;
  utteranceId: string;
  speaker: string;
  channel: number;
  startMs: number;
  endMs: number;
  /** ASR output as heard: raw-transcript class. */
  rawText: string | null;
  /** Corrected text with personal data: raw-transcript class. */
  correctedText: string | null;
  /** Corrected text redacted for the archive: corrected-transcript class. */
  redactedText: string | null;
  edits: unknown[] | null;
  /** The agent checked or corrected this text (training export uses only these). */
  verified: boolean;
  updatedAt: number;
}

export interface SuggestionRow {
  caseId: string;
  utteranceId: string;
  kbVersion: number | null;
  faqIds: string[];
  citedFaqIds: string[];
  replyScript: string;
  tier: string | null;
  source: string | null;
  ts: number;
}

export interface FeedbackRow {
  caseId: string;
  feedbackId: string;
  utteranceId: string | null;
  /** adopted | edited | rejected | copied | undo_correction | annotation */
  action: string;
  faqId: string | null;
  text: string | null;
  by: string | null;
  ts: number;
}

export interface CaseSearch {
  from?: number;
  to?: number;
  agentId?: string;
  /** Cases an agent may see: their own (agent_id or opened_by). */
  ownedBy?: string;
  agency?: string;
  /** Substring of the redacted transcript, notes, category or agency. */
  text?: string;
  limit?: number;
  offset?: number;
}

export type DataClass = 'audio' | 'raw_transcript' | 'corrected_transcript' | 'annotations';

/** One replaced value: `item` names it (`notes`, `utterance:u1`, `agent_id`…), `previous` is what it held. */
export interface HistoryRow {
  caseId: string;
  /** The revision that replaced it. */
  revision: number;
  item: string;
  previous: unknown;
  changedBy: string | null;
  changedAt: number;
  /** Retention class of the old value (utterance text: raw_transcript; notes and fields: annotations). */
  dataClass: DataClass;
}

export interface CaseRepository {
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
  /** Cases not on hold, last touched before `cutoff`, that still hold data of `dataClass`. */
  casesWithExpired(dataClass: DataClass, cutoff: number): Promise<string[]>;
  /** Cases not on hold whose every content class has expired (the row itself can go). */
  casesToDelete(cutoff: number): Promise<string[]>;
  /** Deletes one class of a case; blob keys of deleted audio go to the purge queue. Returns rows affected. */
  purgeClass(caseId: string, dataClass: DataClass, at: number): Promise<number>;
  /** Deletes the case and everything left of it (audio keys to the purge queue). */
  deleteCase(caseId: string, at: number): Promise<void>;
  pendingBlobPurges(): Promise<string[]>;
  blobPurged(key: string): Promise<void>;
  addHistory(rows: readonly HistoryRow[]): Promise<void>;
  listHistory(caseId: string): Promise<HistoryRow[]>;
  /** Blob keys rows (or the purge queue) refer to under a key prefix such as `cases/c-1/`. */
  blobKeysUnder(prefix: string): Promise<string[]>;
  /** Case ids in id order after `afterId` (paging through every case). */
  caseIds(afterId: string | null, limit: number): Promise<string[]>;
  /** Utterances the agent verified, in cases started since `since`, with their audio segment. */
  verifiedUtterances(since: number): Promise<Array<{ utterance: UtteranceRow; segment: SegmentRow | null }>>;
  /** Adopted or edited suggestions since `since`. */
  adoptedReplies(
    since: number,
  ): Promise<
    Array<{ feedback: FeedbackRow; suggestion: SuggestionRow | null; utterance: UtteranceRow | null }>
  >;
}

const migrations: Record<string, Migration> = {
  '001_init': {
    async up(db) {
      await db.schema
        .createTable('cases')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('agent_id', 'text')
        .addColumn('opened_by', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint')
        .addColumn('end_reason', 'text')
        .addColumn('category', 'text')
        .addColumn('agency', 'text')
        .addColumn('notes', 'text')
        .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('legal_hold', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('hold_reason', 'text')
        .addColumn('asr_version', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('cases_started').on('cases').column('started_at').execute();
      await db.schema.createIndex('cases_agent').on('cases').column('agent_id').execute();
      await db.schema
        .createTable('case_revisions')
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('body_sha256', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('case_revisions_pk', ['case_id', 'revision'])
        .execute();
      await db.schema
        .createTable('case_segments')
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('segment_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('speaker', 'text')
        .addColumn('channel', 'integer')
        .addColumn('start_ms', 'bigint', (c) => c.notNull())
        .addColumn('end_ms', 'bigint', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('blob_key', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('case_segments_pk', ['case_id', 'segment_id'])
        .execute();
      await db.schema
        .createTable('case_utterances')
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('utterance_id', 'text', (c) => c.notNull())
        .addColumn('speaker', 'text', (c) => c.notNull())
        .addColumn('channel', 'integer', (c) => c.notNull())
        .addColumn('start_ms', 'bigint', (c) => c.notNull())
        .addColumn('end_ms', 'bigint', (c) => c.notNull())
        .addColumn('raw_text', 'text')
        .addColumn('corrected_text', 'text')
        .addColumn('redacted_text', 'text')
        .addColumn('edits', 'text')
        .addColumn('verified', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('case_utterances_pk', ['case_id', 'utterance_id'])
        .execute();
      await db.schema
        .createTable('case_suggestions')
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('utterance_id', 'text', (c) => c.notNull())
        .addColumn('kb_version', 'integer')
        .addColumn('faq_ids', 'text', (c) => c.notNull())
        .addColumn('cited_faq_ids', 'text', (c) => c.notNull())
        .addColumn('reply_script', 'text', (c) => c.notNull())
        .addColumn('tier', 'text')
        .addColumn('source', 'text')
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('case_suggestions_pk', ['case_id', 'utterance_id'])
        .execute();
      await db.schema
        .createTable('case_feedback')
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('feedback_id', 'text', (c) => c.notNull())
        .addColumn('utterance_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('faq_id', 'text')
        .addColumn('text', 'text')
        .addColumn('by', 'text')
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('case_feedback_pk', ['case_id', 'feedback_id'])
        .execute();
      await db.schema
        .createTable('blob_purge_queue')
        .addColumn('blob_key', 'text', (c) => c.primaryKey())
        .addColumn('queued_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '002_history': {
    async up(db) {
      await db.schema
        .createTable('case_history')
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('item', 'text', (c) => c.notNull())
        .addColumn('previous', 'text', (c) => c.notNull())
        .addColumn('changed_by', 'text')
        .addColumn('changed_at', 'bigint', (c) => c.notNull())
        .addColumn('data_class', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('case_history_pk', ['case_id', 'revision', 'item'])
        .execute();
      await db.schema.createIndex('case_segments_blob').on('case_segments').column('blob_key').execute();
    },
  },
};

type Db = Kysely<CaseTables> | Transaction<CaseTables>;
const json = (v: unknown): string => JSON.stringify(v);
const parse = <T>(v: string | null): T | null => (v === null ? null : (JSON.parse(v) as T));

const toCase = (r: CaseTables['cases']): CaseRow => ({
  id: r.id,
  agentId: r.agent_id,
  openedBy: r.opened_by,
  status: r.status as CaseStatus,
  startedAt: Number(r.started_at),
  endedAt: r.ended_at === null ? null : Number(r.ended_at),
  endReason: r.end_reason,
  category: r.category,
  agency: r.agency,
  notes: r.notes,
  revision: Number(r.revision),
  legalHold: Number(r.legal_hold) === 1,
  holdReason: r.hold_reason,
  asrVersion: r.asr_version,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});
const toSegment = (r: CaseTables['case_segments']): SegmentRow => ({
  caseId: r.case_id,
  segmentId: r.segment_id,
  kind: r.kind as SegmentRow['kind'],
  speaker: r.speaker,
  channel: r.channel === null ? null : Number(r.channel),
  startMs: Number(r.start_ms),
  endMs: Number(r.end_ms),
  format: r.format as SegmentRow['format'],
  blobKey: r.blob_key,
  sha256: r.sha256,
  bytes: Number(r.bytes),
  createdAt: Number(r.created_at),
});
const toUtterance = (r: CaseTables['case_utterances']): UtteranceRow => ({
  caseId: r.case_id,
  utteranceId: r.utterance_id,
  speaker: r.speaker,
  channel: Number(r.channel),
  startMs: Number(r.start_ms),
  endMs: Number(r.end_ms),
  rawText: r.raw_text,
  correctedText: r.corrected_text,
  redactedText: r.redacted_text,
  edits: parse<unknown[]>(r.edits),
  verified: Number(r.verified) === 1,
  updatedAt: Number(r.updated_at),
});
const toSuggestion = (r: CaseTables['case_suggestions']): SuggestionRow => ({
  caseId: r.case_id,
  utteranceId: r.utterance_id,
  kbVersion: r.kb_version === null ? null : Number(r.kb_version),
  faqIds: parse<string[]>(r.faq_ids) ?? [],
  citedFaqIds: parse<string[]>(r.cited_faq_ids) ?? [],
  replyScript: r.reply_script,
  tier: r.tier,
  source: r.source,
  ts: Number(r.ts),
});
const toFeedback = (r: CaseTables['case_feedback']): FeedbackRow => ({
  caseId: r.case_id,
  feedbackId: r.feedback_id,
  utteranceId: r.utterance_id,
  action: r.action,
  faqId: r.faq_id,
  text: r.text,
  by: r.by,
  ts: Number(r.ts),
});

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

function repository(db: Db, root: Kysely<CaseTables>): CaseRepository {
  const expiredCases = (cutoff: number) =>
    db
      .selectFrom('cases')
      .select('id')
      .where('legal_hold', '=', 0)
      .where((eb) => eb(eb.fn.coalesce('ended_at', 'updated_at'), '<', cutoff));

  const historyOf = (eb: ExpressionBuilder<CaseTables, 'cases'>, dataClass: DataClass) =>
    eb.exists(
      eb
        .selectFrom('case_history')
        .select('item')
        .whereRef('case_history.case_id', '=', 'cases.id')
        .where('case_history.data_class', '=', dataClass),
    );
  const deleteHistory = async (caseId: string, dataClass: DataClass): Promise<number> =>
    Number(
      (
        await db
          .deleteFrom('case_history')
          .where('case_id', '=', caseId)
          .where('data_class', '=', dataClass)
          .executeTakeFirst()
      ).numDeletedRows,
    );

  const repo: CaseRepository = {
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
    async casesWithExpired(dataClass, cutoff) {
      const base = expiredCases(cutoff);
      const rows = await (
        dataClass === 'audio'
          ? base.where((eb) =>
              eb.exists(
                eb
                  .selectFrom('case_segments')
                  .select('segment_id')
                  .whereRef('case_segments.case_id', '=', 'cases.id'),
              ),
            )
          : dataClass === 'raw_transcript'
            ? base.where((eb) =>
                eb.or([
                  eb.exists(
                    eb
                      .selectFrom('case_utterances')
                      .select('utterance_id')
                      .whereRef('case_utterances.case_id', '=', 'cases.id')
                      .where((w) =>
                        w.or([w('raw_text', 'is not', null), w('corrected_text', 'is not', null)]),
                      ),
                  ),
                  historyOf(eb, 'raw_transcript'),
                ]),
              )
            : dataClass === 'corrected_transcript'
              ? base.where((eb) =>
                  eb.exists(
                    eb
                      .selectFrom('case_utterances')
                      .select('utterance_id')
                      .whereRef('case_utterances.case_id', '=', 'cases.id'),
                  ),
                )
              : base.where((eb) =>
                  eb.or([
                    eb('notes', 'is not', null),
                    eb.exists(
                      eb
                        .selectFrom('case_feedback')
                        .select('feedback_id')
                        .whereRef('case_feedback.case_id', '=', 'cases.id'),
                    ),
                    eb.exists(
                      eb
                        .selectFrom('case_suggestions')
                        .select('utterance_id')
                        .whereRef('case_suggestions.case_id', '=', 'cases.id'),
                    ),
                    historyOf(eb, 'annotations'),
                  ]),
                )
      )
        .orderBy('id')
        .execute();
      return rows.map((r) => r.id);
    },
    async casesToDelete(cutoff) {
      return (await expiredCases(cutoff).orderBy('id').execute()).map((r) => r.id);
    },
    async purgeClass(caseId, dataClass, at) {
      switch (dataClass) {
        case 'audio': {
          const keys = await db
            .selectFrom('case_segments')
            .select('blob_key')
            .where('case_id', '=', caseId)
            .execute();
          for (const { blob_key } of keys) {
            await db
              .insertInto('blob_purge_queue')
              .values({ blob_key, queued_at: at })
              .onConflict((oc) => oc.column('blob_key').doNothing())
              .execute();
          }
          const result = await db
            .deleteFrom('case_segments')
            .where('case_id', '=', caseId)
            .executeTakeFirst();
          return Number(result.numDeletedRows);
        }
        case 'raw_transcript': {
          const result = await db
            .updateTable('case_utterances')
            .set({ raw_text: null, corrected_text: null, edits: null })
            .where('case_id', '=', caseId)
            .where((w) => w.or([w('raw_text', 'is not', null), w('corrected_text', 'is not', null)]))
            .executeTakeFirst();
          return Number(result.numUpdatedRows) + (await deleteHistory(caseId, 'raw_transcript'));
        }
        case 'corrected_transcript': {
          const result = await db
            .deleteFrom('case_utterances')
            .where('case_id', '=', caseId)
            .executeTakeFirst();
          return Number(result.numDeletedRows);
        }
        case 'annotations': {
          const feedback = await db
            .deleteFrom('case_feedback')
            .where('case_id', '=', caseId)
            .executeTakeFirst();
          const suggestions = await db
            .deleteFrom('case_suggestions')
            .where('case_id', '=', caseId)
            .executeTakeFirst();
          const notes = await db
            .updateTable('cases')
            .set({ notes: null })
            .where('id', '=', caseId)
            .where('notes', 'is not', null)
            .executeTakeFirst();
          return (
            Number(feedback.numDeletedRows) +
            Number(suggestions.numDeletedRows) +
            Number(notes.numUpdatedRows) +
            (await deleteHistory(caseId, 'annotations'))
          );
        }
      }
    },
    async deleteCase(caseId, at) {
      for (const dataClass of ['audio', 'corrected_transcript', 'annotations'] as const) {
        await repo.purgeClass(caseId, dataClass, at);
      }
      await db.deleteFrom('case_history').where('case_id', '=', caseId).execute();
      await db.deleteFrom('case_revisions').where('case_id', '=', caseId).execute();
      await db.deleteFrom('cases').where('id', '=', caseId).execute();
    },
    async addHistory(rows) {
      for (const h of rows) {
        await db
          .insertInto('case_history')
          .values({
            case_id: h.caseId,
            revision: h.revision,
            item: h.item,
            previous: json(h.previous),
            changed_by: h.changedBy,
            changed_at: h.changedAt,
            data_class: h.dataClass,
          })
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
      return rows.map((r) => ({
        caseId: r.case_id,
        revision: Number(r.revision),
        item: r.item,
        previous: parse<unknown>(r.previous),
        changedBy: r.changed_by,
        changedAt: Number(r.changed_at),
        dataClass: r.data_class as DataClass,
      }));
    },
    async blobKeysUnder(prefix) {
      // Keys hold no `%`; `_` may match any character, so the exact prefix is checked again below.
      const pattern = `${prefix}%`;
      const [segments, queued] = await Promise.all([
        db.selectFrom('case_segments').select('blob_key').where('blob_key', 'like', pattern).execute(),
        db.selectFrom('blob_purge_queue').select('blob_key').where('blob_key', 'like', pattern).execute(),
      ]);
      return [...segments, ...queued].map((r) => r.blob_key).filter((k) => k.startsWith(prefix));
    },
    async caseIds(afterId, limit) {
      let query = db.selectFrom('cases').select('id');
      if (afterId !== null) query = query.where('id', '>', afterId);
      return (await query.orderBy('id').limit(limit).execute()).map((r) => r.id);
    },
    async pendingBlobPurges() {
      return (await db.selectFrom('blob_purge_queue').select('blob_key').orderBy('blob_key').execute()).map(
        (r) => r.blob_key,
      );
    },
    async blobPurged(key) {
      await db.deleteFrom('blob_purge_queue').where('blob_key', '=', key).execute();
    },
    async verifiedUtterances(since) {
      const rows = await db
        .selectFrom('case_utterances')
        .innerJoin('cases', 'cases.id', 'case_utterances.case_id')
        .selectAll('case_utterances')
        .where('case_utterances.verified', '=', 1)
        .where('cases.started_at', '>=', since)
        .orderBy('case_utterances.case_id')
        .orderBy('case_utterances.start_ms')
        .execute();
      const out: Array<{ utterance: UtteranceRow; segment: SegmentRow | null }> = [];
      for (const row of rows) {
        out.push({
          utterance: toUtterance(row),
          segment: await repo.getSegment(row.case_id, row.utterance_id),
        });
      }
      return out;
    },
    async adoptedReplies(since) {
      const rows = await db
        .selectFrom('case_feedback')
        .innerJoin('cases', 'cases.id', 'case_feedback.case_id')
        .selectAll('case_feedback')
        .where('case_feedback.action', 'in', ['adopted', 'edited'])
        .where('cases.started_at', '>=', since)
        .orderBy('case_feedback.case_id')
        .orderBy('case_feedback.ts')
        .execute();
      const out: Array<{
        feedback: FeedbackRow;
        suggestion: SuggestionRow | null;
        utterance: UtteranceRow | null;
      }> = [];
      for (const row of rows) {
        const s = row.utterance_id
          ? await db
              .selectFrom('case_suggestions')
              .selectAll()
              .where('case_id', '=', row.case_id)
              .where('utterance_id', '=', row.utterance_id)
              .executeTakeFirst()
          : undefined;
        const u = row.utterance_id
          ? await db
              .selectFrom('case_utterances')
              .selectAll()
              .where('case_id', '=', row.case_id)
              .where('utterance_id', '=', row.utterance_id)
              .executeTakeFirst()
          : undefined;
        out.push({
          feedback: toFeedback(row),
          suggestion: s ? toSuggestion(s) : null,
          utterance: u ? toUtterance(u) : null,
        });
      }
      return out;
    },
  };
  return repo;
}

export async function createCaseRepository(store: Store): Promise<CaseRepository> {
  await store.migrate('cases', migrations);
  const db = store.db.withTables<CaseTables>();
  return repository(db, db);
}
