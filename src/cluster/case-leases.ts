import { sql } from 'kysely';
import type { Store } from '../store/index.js';

/**
 * Which node drives each live case. A node claims a case before its call runs there and renews
 * its claims every third of the lease; a node that dies stops renewing, and after `leaseMs` another
 * node may take the case over (a resume). Two live processes never hold one case.
 */
export interface CaseLeases {
  claim(caseId: string): Promise<boolean>;
  release(caseId: string): Promise<void>;
  /** Cases this node holds now. */
  held(): string[];
  /**
   * Cases whose claim lapsed more than `graceMs` ago, whichever node held them: that node died
   * (or was restarted under another id) and nobody has taken the case over since.
   */
  lapsed(graceMs: number): Promise<string[]>;
  close(): Promise<void>;
}

/** Leases in the shared database (`store`), or in memory for a node on its own (`null`). */
export async function createCaseLeases(
  store: Store | null,
  nodeId: string,
  leaseMs: number,
  now: () => number = Date.now,
): Promise<CaseLeases> {
  const mine = new Set<string>();
  if (!store) {
    return {
      claim: (caseId) => {
        mine.add(caseId);
        return Promise.resolve(true);
      },
      release: (caseId) => Promise.resolve(void mine.delete(caseId)),
      held: () => [...mine],
      lapsed: () => Promise.resolve([]),
      close: () => Promise.resolve(),
    };
  }
  await store.migrate('cluster', {
    '001_case_leases': {
      async up(db) {
        await db.schema
          .createTable('case_leases')
          .addColumn('case_id', 'text', (c) => c.primaryKey())
          .addColumn('node_id', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
  });
  const { db } = store;
  // One statement: the row is taken when it is free, expired or already ours (no read-then-write race).
  const claim = async (caseId: string): Promise<boolean> => {
    const at = now();
    const result = await sql<{ node_id: string }>`
      insert into case_leases (case_id, node_id, expires_at) values (${caseId}, ${nodeId}, ${at + leaseMs})
      on conflict (case_id) do update set node_id = excluded.node_id, expires_at = excluded.expires_at
      where case_leases.expires_at < ${at} or case_leases.node_id = excluded.node_id
      returning node_id`.execute(db);
    const won = result.rows[0]?.node_id === nodeId;
    if (won) mine.add(caseId);
    return won;
  };
  const renew = async (): Promise<void> => {
    if (mine.size === 0) return;
    const ids = [...mine];
    const result = await sql<{ case_id: string }>`
      update case_leases set expires_at = ${now() + leaseMs}
      where node_id = ${nodeId} and case_id in (${sql.join(ids)}) returning case_id`.execute(db);
    // A claim this node no longer has (it paused longer than the lease) is not silently kept.
    const kept = new Set(result.rows.map((r) => r.case_id));
    for (const id of ids) if (!kept.has(id)) mine.delete(id);
  };
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(
    () => {
      renewing = renewing.then(renew).catch(() => undefined);
    },
    Math.floor(leaseMs / 3),
  );
  timer.unref();
  return {
    claim,
    async release(caseId) {
      mine.delete(caseId);
      await sql`delete from case_leases where case_id = ${caseId} and node_id = ${nodeId}`.execute(db);
    },
    held: () => [...mine],
    async lapsed(graceMs) {
      const result = await sql<{ case_id: string }>`
        select case_id from case_leases where expires_at < ${now() - graceMs} order by case_id`.execute(db);
      return result.rows.map((r) => r.case_id).filter((id) => !mine.has(id));
    },
    async close() {
      clearInterval(timer);
      await renewing;
      const ids = [...mine];
      mine.clear();
      if (ids.length > 0)
        await sql`delete from case_leases where node_id = ${nodeId} and case_id in (${sql.join(ids)})`.execute(
          db,
        );
    },
  };
}
