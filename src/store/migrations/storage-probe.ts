import { sql, type Migration } from 'kysely';

/** The one-row table the health probe writes to. */
export const storageProbeMigrations: Record<string, Migration> = {
  '001_init': {
    async up(db) {
      await db.schema
        .createTable('storage_probe')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into storage_probe (id, at) values (1, 0)`.execute(db);
    },
  },
};
