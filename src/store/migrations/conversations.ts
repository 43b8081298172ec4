import type { Kysely, Migration } from 'kysely';

export const conversationsMigrations: Record<string, Migration> = {
  '001_init': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('text_conversations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kb', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('text_conversation_turns')
        .addColumn('conversation_id', 'text', (c) =>
          c.notNull().references('text_conversations.id').onDelete('cascade'),
        )
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('tier', 'text')
        .addColumn('faq_ids', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('text_conversation_turns_pk', ['conversation_id', 'seq'])
        .execute();
    },
  },
  '002_owner': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('text_conversations').addColumn('owner_id', 'text').execute();
      await db.schema.alterTable('text_conversations').addColumn('owner_role', 'text').execute();
      await db.schema
        .createIndex('text_conversations_updated')
        .on('text_conversations')
        .column('updated_at')
        .execute();
    },
  },
};
