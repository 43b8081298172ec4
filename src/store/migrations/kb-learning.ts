import type { Kysely, Migration } from 'kysely';

export const kbLearningMigrations: Record<string, Migration> = {
  '001_init': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('kb_learned_phrasings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kb', 'text', (c) => c.notNull())
        .addColumn('entry_id', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('adoptions', 'integer', (c) => c.notNull())
        .addColumn('rejections', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('kb_learned_phrasings_kb')
        .on('kb_learned_phrasings')
        .column('kb')
        .execute();
    },
  },
};
