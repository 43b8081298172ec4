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

  it('runs one query again and again with new values, after a failed run and after a schema change', async () => {
    store = await openStore(await backend.options());
    const table = `repeat_${backend.name}`;
    const db = store.db.withTables<Record<string, { id: string; n: number }>>();
    await sql`create table ${sql.table(table)} (id text primary key, n integer)`.execute(store.db);
    const put = (id: string, n: number) => db.insertInto(table).values({ id, n }).execute();
    const all = () => db.selectFrom(table).selectAll().orderBy('id').execute();
    await put('a', 1);
    await expect(put('a', 2)).rejects.toThrow();
    await put('b', 2);
    expect(await all()).toEqual([
      { id: 'a', n: 1 },
      { id: 'b', n: 2 },
    ]);
    await sql`alter table ${sql.table(table)} add column note text`.execute(store.db);
    await put('c', 3);
    expect(await all()).toEqual([
      { id: 'a', n: 1, note: null },
      { id: 'b', n: 2, note: null },
      { id: 'c', n: 3, note: null },
    ]);
    await sql`drop table ${sql.table(table)}`.execute(store.db);
  });
});
