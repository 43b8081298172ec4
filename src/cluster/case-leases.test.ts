import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/index.js';
import { storeBackends } from '../store/testing/backends.js';
import { createCaseLeases, type CaseLeases } from './case-leases.js';

const postgres = storeBackends().find((b) => b.name === 'postgres');

describe.skipIf(!postgres)('case leases in PostgreSQL', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });
  /** Nodes on a fresh database with one clock the test moves. */
  const nodesOnClock = async (...ids: string[]) => {
    store = await openStore(await (postgres as NonNullable<typeof postgres>).options());
    const clock = { at: 1_000_000 };
    const leases = await Promise.all(
      ids.map((id) => createCaseLeases(store as Store, id, 5_000, () => clock.at)),
    );
    return { clock, leases };
  };

  it('one node drives a case; another takes it over only once the claim lapses or is released', async () => {
    const { clock, leases } = await nodesOnClock('a', 'b');
    const [a, b] = leases as [CaseLeases, CaseLeases];
    expect(await a.claim('case-1')).toBe(true);
    expect(await b.claim('case-1')).toBe(false);
    // Claiming again what it holds is fine (a resume on the same node).
    expect(await a.claim('case-1')).toBe(true);
    clock.at += 5_001; // a stopped renewing (it died)
    expect(await b.claim('case-1')).toBe(true);
    expect(await a.claim('case-1')).toBe(false);
    expect(b.held()).toEqual(['case-1']);
    await b.release('case-1');
    expect(await a.claim('case-1')).toBe(true);
    await a.close();
    await b.close();
  });

  it('lists the cases whose claim lapsed past the grace, whichever node held them, but not its own', async () => {
    const { clock, leases } = await nodesOnClock('dead', 'alive');
    const [dead, alive] = leases as [CaseLeases, CaseLeases];
    await dead.claim('cut-off');
    clock.at += 3_000;
    await alive.claim('running');
    await alive.claim('stale-own');
    clock.at += 2_001; // 'cut-off' lapsed 1 ms ago
    expect(await alive.lapsed(1_000)).toEqual([]);
    clock.at += 1_000;
    expect(await alive.lapsed(1_000)).toEqual(['cut-off']);
    clock.at += 10_000; // every claim lapsed; a node never lists what it still holds
    expect(await alive.lapsed(1_000)).toEqual(['cut-off']);
    expect(await dead.lapsed(1_000)).toEqual(['running', 'stale-own']);
    await dead.close();
    await alive.close();
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
