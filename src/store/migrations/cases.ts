import type { Migration } from 'kysely';

export const casesMigrations: Record<string, Migration> = {
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
