import type { Migration } from 'kysely';

/** The hash the chain starts from (and the anchor before anything was purged). */
const GENESIS = '0'.repeat(64);

export const auditMigrations: Record<string, Migration> = {
  '001_init': {
    async up(db) {
      await db.schema
        .createTable('audit_log')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('ts', 'bigint', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('actor_role', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target_type', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text')
        .addColumn('source', 'text')
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_ts').on('audit_log').column('ts').execute();
      await db.schema
        .createIndex('audit_log_target')
        .on('audit_log')
        .columns(['target_type', 'target_id'])
        .execute();
      await db.schema
        .createTable('audit_head')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('anchor_seq', 'bigint', (c) => c.notNull())
        .addColumn('anchor_hash', 'text', (c) => c.notNull())
        .execute();
      await db
        .insertInto('audit_head' as never)
        .values({ id: 1, seq: 0, hash: GENESIS, anchor_seq: 0, anchor_hash: GENESIS } as never)
        .execute();
    },
  },
  '002_keyed': {
    async up(db) {
      for (const column of ['head_mac', 'anchor_mac', 'key_id'])
        await db.schema.alterTable('audit_head').addColumn(column, 'text').execute();
      await db.schema.alterTable('audit_head').addColumn('keyed_from', 'bigint').execute();
    },
  },
};
