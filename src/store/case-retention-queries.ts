import { sql, type ExpressionBuilder } from 'kysely';
import type { CaseDb, CaseTables, DataClass } from './case-rows.js';

/** What retention, the purge queue and the orphan scan ask of the archive tables. */
export interface CaseRetentionQueries {
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
  /** Blob keys rows (or the purge queue) refer to under a key prefix such as `cases/c-1/`. */
  blobKeysUnder(prefix: string): Promise<string[]>;
  /** Case ids in id order after `afterId` (paging through every case). */
  caseIds(afterId: string | null, limit: number): Promise<string[]>;
}

type CasesEb = ExpressionBuilder<CaseTables, 'cases'>;

/** The case has rows in `table`. */
const hasRows = (
  eb: CasesEb,
  table: 'case_segments' | 'case_utterances' | 'case_feedback' | 'case_suggestions',
) => eb.exists(eb.selectFrom(table).select('case_id').whereRef(`${table}.case_id`, '=', 'cases.id'));

const historyOf = (eb: CasesEb, dataClass: DataClass) =>
  eb.exists(
    eb
      .selectFrom('case_history')
      .select('item')
      .whereRef('case_history.case_id', '=', 'cases.id')
      .where('case_history.data_class', '=', dataClass),
  );

/** Per class, the condition under which a case still holds data of that class. */
const holds: Record<DataClass, (eb: CasesEb) => ReturnType<CasesEb['or']>> = {
  audio: (eb) => eb.or([hasRows(eb, 'case_segments')]),
  raw_transcript: (eb) =>
    eb.or([
      eb.exists(
        eb
          .selectFrom('case_utterances')
          .select('utterance_id')
          .whereRef('case_utterances.case_id', '=', 'cases.id')
          .where((w) => w.or([w('raw_text', 'is not', null), w('corrected_text', 'is not', null)])),
      ),
      historyOf(eb, 'raw_transcript'),
    ]),
  corrected_transcript: (eb) => eb.or([hasRows(eb, 'case_utterances')]),
  annotations: (eb) =>
    eb.or([
      eb('notes', 'is not', null),
      hasRows(eb, 'case_feedback'),
      hasRows(eb, 'case_suggestions'),
      historyOf(eb, 'annotations'),
    ]),
};

export function caseRetentionQueries(db: CaseDb): CaseRetentionQueries {
  const expiredCases = (cutoff: number) =>
    db
      .selectFrom('cases')
      .select('id')
      .where('legal_hold', '=', 0)
      .where((eb) => eb(eb.fn.coalesce('ended_at', 'updated_at'), '<', cutoff));

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

  const queries: CaseRetentionQueries = {
    async casesWithExpired(dataClass, cutoff) {
      const rows = await expiredCases(cutoff).where(holds[dataClass]).orderBy('id').execute();
      return rows.map((r) => r.id);
    },
    async casesToDelete(cutoff) {
      return (await expiredCases(cutoff).orderBy('id').execute()).map((r) => r.id);
    },
    async purgeClass(caseId, dataClass, at) {
      switch (dataClass) {
        case 'audio': {
          // The keys go to the queue in the same transaction as the rows go (one statement, no loop).
          await db
            .insertInto('blob_purge_queue')
            .columns(['blob_key', 'queued_at'])
            .expression(
              db
                .selectFrom('case_segments')
                .select(['blob_key', sql<number>`cast(${at} as bigint)`.as('queued_at')])
                .distinct()
                .where('case_id', '=', caseId),
            )
            .onConflict((oc) => oc.column('blob_key').doNothing())
            .execute();
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
        await queries.purgeClass(caseId, dataClass, at);
      }
      await db.deleteFrom('case_history').where('case_id', '=', caseId).execute();
      await db.deleteFrom('case_revisions').where('case_id', '=', caseId).execute();
      await db.deleteFrom('cases').where('id', '=', caseId).execute();
    },
    async pendingBlobPurges() {
      return (await db.selectFrom('blob_purge_queue').select('blob_key').orderBy('blob_key').execute()).map(
        (r) => r.blob_key,
      );
    },
    async blobPurged(key) {
      await db.deleteFrom('blob_purge_queue').where('blob_key', '=', key).execute();
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
  };
  return queries;
}
