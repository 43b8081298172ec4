import { describe, expect, it } from 'vitest';
import { auditKeyFrom, createAuditRepository, openStore, type OpenStoreOptions } from './index.js';
import { storeBackends } from './testing/backends.js';

const postgres = storeBackends().find((b) => b.name === 'postgres');

/**
 * Several nodes append to one audit chain at once: each node has its own connection pool (as its
 * own process does), and the chain stays one valid sequence.
 */
describe.skipIf(!postgres)('audit chain appended by several nodes at once (PostgreSQL)', () => {
  it('keeps one gap-free chain that verifies', async () => {
    const options: OpenStoreOptions = await (postgres as NonNullable<typeof postgres>).options();
    const key = auditKeyFrom(Buffer.alloc(32, 9));
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(options)));
    try {
      const nodes = await Promise.all(stores.map((store) => createAuditRepository(store, { key })));
      const perNode = 40;
      await Promise.all(
        nodes.flatMap((audit, n) =>
          Array.from({ length: perNode }, (_, i) =>
            audit.append({
              actorId: `agent-${n}`,
              actorRole: 'agent',
              action: 'case.read',
              targetType: 'case',
              targetId: `node-${n}-case-${i}`,
              source: `node-${n}`,
            }),
          ),
        ),
      );
      const verification = await (nodes[0] as (typeof nodes)[number]).verify();
      expect(verification).toMatchObject({ ok: true, brokenAt: null, checked: nodes.length * perNode });
      // Every node's entries are in the one chain.
      for (let n = 0; n < nodes.length; n++)
        expect(await (nodes[n] as (typeof nodes)[number]).query({ actorId: `agent-${n}` })).toHaveLength(
          perNode,
        );
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});
