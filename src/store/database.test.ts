import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openStore, type Store } from './index.js';
import { storeBackends } from './testing/backends.js';

describe.each(storeBackends())('store core on $name', (backend) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it('applies a domain migration once and keeps rows across reopen', async () => {
    const options = await backend.options();
    store = await openStore(options);
    const table = `probe_${backend.name}`;
    const migrations = {
      '001_init': {
        up: async (db: Store['db']) => {
          await db.schema
            .createTable(table)
            .ifNotExists()
            .addColumn('id', 'text', (c) => c.primaryKey())
            .execute();
        },
      },
    };
    await store.migrate('probe', migrations);
    await store.migrate('probe', migrations);
    await sql`insert into ${sql.table(table)} (id) values ('a')`.execute(store.db);
    await store.close();
    store = await openStore(options);
    const rows = await sql<{ id: string }>`select id from ${sql.table(table)}`.execute(store.db);
    expect(rows.rows.map((r) => r.id)).toEqual(['a']);
  });
});
