import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { auditKeyFrom, createAuditRepository, openStore, type Store } from './index.js';
import { storeBackends } from './testing/backends.js';

const key = auditKeyFrom(Buffer.alloc(32, 7));

describe.each(storeBackends())('audit repository on $name', (backend) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  const entry = (action: string, targetId: string) => ({
    actorId: 'u1',
    actorRole: 'supervisor',
    action,
    targetType: 'case',
    targetId,
    source: '10.0.0.1',
    detail: { note: '案件' },
  });

  it('chains entries, verifies them, and detects an edited row', async () => {
    store = await openStore(await backend.options());
    let now = 1_000;
    const audit = await createAuditRepository(store, { key, clock: () => now++ });
    for (let i = 0; i < 5; i++) await audit.append(entry('case.read', `c${i}`));
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 5, brokenAt: null });
    const found = await audit.query({ targetId: 'c3' });
    expect(found).toHaveLength(1);
    expect(found[0]?.detail).toEqual({ note: '案件' });

    await sql`update audit_log set actor_id = 'someone-else' where seq = 3`.execute(store.db);
    expect(await audit.verify()).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it('detects a deleted last entry (head no longer reached)', async () => {
    store = await openStore(await backend.options());
    const audit = await createAuditRepository(store, { key });
    for (let i = 0; i < 4; i++) await audit.append(entry('case.read', `c${i}`));
    await sql`delete from audit_log where seq = 4`.execute(store.db);
    expect((await audit.verify()).ok).toBe(false);
  });

  it('concurrent appends keep one unbroken chain', async () => {
    store = await openStore(await backend.options());
    const audit = await createAuditRepository(store, { key });
    await Promise.all(Array.from({ length: 20 }, (_, i) => audit.append(entry('case.read', `c${i}`))));
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 20, brokenAt: null });
  });

  it('retention purge moves the anchor so the remaining chain still verifies', async () => {
    store = await openStore(await backend.options());
    let now = 0;
    const audit = await createAuditRepository(store, { key, clock: () => now });
    for (let i = 0; i < 6; i++) {
      now = i * 100;
      await audit.append(entry('case.read', `c${i}`));
    }
    expect(await audit.purgeBefore(250)).toBe(3);
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 3, brokenAt: null });
    now = 1_000;
    await audit.append(entry('retention.purge', 'c0'));
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 4, brokenAt: null });
    expect((await audit.query({})).map((e) => e.targetId)).toEqual(['c0', 'c5', 'c4', 'c3']);
  });
});
