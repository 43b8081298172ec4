import type { Kysely, Migration } from 'kysely';

export const caseNumbersMigrations: Record<string, Migration> = {
  '001_init': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('hotline_case_numbers')
        .addColumn('case_id', 'text', (c) => c.primaryKey())
        .addColumn('case_no', 'text', (c) => c.notNull().unique())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('hotline_case_numbers_day_seq', ['day', 'seq'])
        .execute();
    },
  },
};
