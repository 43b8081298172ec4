import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/index.js';
import { storeBackends } from '../store/testing/backends.js';
import { createCaseLeases } from './case-leases.js';

const postgres = storeBackends().find((b) => b.name === 'postgres');

describe.skipIf(!postgres)('case leases in PostgreSQL', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it('one node drives a case; another takes it over only once the claim lapses or is released', async () => {
    store = await openStore(await (postgres as NonNullable<typeof postgres>).options());
    let clock = 1_000_000;
    const now = () => clock;
    const a = await createCaseLeases(store, 'a', 5_000, now);
    const b = await createCaseLeases(store, 'b', 5_000, now);
    expect(await a.claim('case-1')).toBe(true);
    expect(await b.claim('case-1')).toBe(false);
    // Claiming again what it holds is fine (a resume on the same node).
    expect(await a.claim('case-1')).toBe(true);
    clock += 5_001; // a stopped renewing (it died)
    expect(await b.claim('case-1')).toBe(true);
    expect(await a.claim('case-1')).toBe(false);
    expect(b.held()).toEqual(['case-1']);
    await b.release('case-1');
    expect(await a.claim('case-1')).toBe(true);
    await a.close();
    await b.close();
  });

  it('two nodes claiming one case at the same moment: exactly one wins', async () => {
    store = await openStore(await (postgres as NonNullable<typeof postgres>).options());
    const nodes = await Promise.all(
      ['a', 'b', 'c', 'd'].map((id) => createCaseLeases(store as Store, id, 5_000)),
    );
    const wins = await Promise.all(nodes.map((n) => n.claim('contested')));
    expect(wins.filter(Boolean)).toHaveLength(1);
    await Promise.all(nodes.map((n) => n.close()));
  });
});
