import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openStore, type Store } from '../index.js';
import { storeBackends } from '../testing/backends.js';
import { MIGRATIONS, migrateDomain, type MigrationDomain } from './index.js';

const domains = Object.keys(MIGRATIONS) as MigrationDomain[];

describe.each(storeBackends())('migrations on $name', (backend) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  const applied = async (s: Store, domain: MigrationDomain): Promise<string[]> =>
    (
      await sql<{
        name: string;
      }>`select name from ${sql.table(`migrations_${domain}`)} order by name`.execute(s.db)
    ).rows.map((r) => r.name);

  it('brings every domain to its latest version, records each version once, and reruns as a no-op', async () => {
    store = await openStore(await backend.options());
    for (const domain of domains) await migrateDomain(store, domain);
    for (const domain of domains) await migrateDomain(store, domain);
    for (const domain of domains)
      expect(await applied(store, domain)).toEqual(Object.keys(MIGRATIONS[domain]).sort());
  });

  it('upgrades a database left at each domain’s first version', async () => {
    const options = await backend.options();
    store = await openStore(options);
    const upgradable = domains.filter((d) => Object.keys(MIGRATIONS[d]).length > 1);
    expect(upgradable).toEqual(expect.arrayContaining(['audit', 'cases', 'kb']));
    for (const domain of upgradable) {
      const [first] = Object.keys(MIGRATIONS[domain]).sort();
      await store.migrate(domain, { [first as string]: MIGRATIONS[domain][first as string]! });
    }
    await store.close();
    // A later start with the current code applies only what is missing.
    store = await openStore(options);
    for (const domain of upgradable) {
      await migrateDomain(store, domain);
      expect(await applied(store, domain)).toEqual(Object.keys(MIGRATIONS[domain]).sort());
    }
    // The tables the later versions added or changed are usable.
    await sql`insert into case_history (case_id, revision, item, previous, changed_by, changed_at, data_class)
      values ('c1', 2, 'notes', '"old"', null, 1, 'annotations')`.execute(store.db);
    await sql`update audit_head set key_id = 'k', keyed_from = 1 where id = 1`.execute(store.db);
    await sql`update kb_versions set vocabulary = '[]'`.execute(store.db);
  });
});
