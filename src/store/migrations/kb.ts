import type { Kysely, Migration } from 'kysely';

export const kbMigrations: Record<string, Migration> = {
  '001_init': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('kb_bases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('active_version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('kb_versions')
        .addColumn('kb', 'text', (c) => c.notNull().references('kb_bases.name'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('restored_from', 'integer')
        .addColumn('note', 'text')
        .addColumn('entry_count', 'integer', (c) => c.notNull())
        .addColumn('added', 'integer', (c) => c.notNull())
        .addColumn('changed', 'integer', (c) => c.notNull())
        .addColumn('removed', 'integer', (c) => c.notNull())
        .addColumn('diff_ids', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('kb_versions_pk', ['kb', 'version'])
        .execute();
      await db.schema
        .createTable('kb_contents')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('kb_version_entries')
        .addColumn('kb', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('entry_id', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull().references('kb_contents.hash'))
        .addPrimaryKeyConstraint('kb_version_entries_pk', ['kb', 'version', 'entry_id'])
        .execute();
    },
  },
  '002_vocabulary': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('kb_versions').addColumn('vocabulary', 'text').execute();
    },
  },
};
