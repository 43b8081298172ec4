import type { Kysely, Migration } from 'kysely';

export const kbVectorsMigrations: Record<string, Migration> = {
  '001_init': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('kb_vectors')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('dims', 'integer', (c) => c.notNull())
        .addColumn('vector', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('kb_vectors_pk', ['model', 'hash'])
        .execute();
    },
  },
};
