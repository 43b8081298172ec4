import { createHash } from 'node:crypto';
import type { Kysely, Migration, Transaction } from 'kysely';
import type { Store } from './database.js';

export type AuditTables = {
  audit_log: {
    seq: number;
    ts: number;
    actor_id: string | null;
    actor_role: string | null;
    action: string;
    target_type: string;
    target_id: string | null;
    source: string | null;
    detail: string;
    prev_hash: string;
    hash: string;
  };
  /** One row: the chain head (serialises appends) and the anchor left by retention. */
  audit_head: { id: number; seq: number; hash: string; anchor_seq: number; anchor_hash: string };
};

export type AuditDb = Kysely<AuditTables> | Transaction<AuditTables>;

export interface AuditInput {
  actorId: string | null;
  actorRole: string | null;
  /** e.g. case.read, case.record, case.audio, case.search, case.hold, retention.purge, user.create. */
  action: string;
  targetType: string;
  targetId: string | null;
  /** Source address (IP) or `cli`/`system`. */
  source: string | null;
  detail?: Record<string, unknown>;
}

export interface AuditEntry extends Omit<AuditInput, 'detail'> {
  seq: number;
  ts: number;
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface AuditQuery {
  from?: number;
  to?: number;
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  limit?: number;
  /** Entries with seq below this (paging backwards). */
  beforeSeq?: number;
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  /** First seq whose hash or link does not match. */
  brokenAt: number | null;
}

export interface AuditRepository {
  /** Appends inside the caller's transaction when given, so the record and the change commit together. */
  append(entry: AuditInput, trx?: Transaction<unknown>): Promise<AuditEntry>;
  query(query: AuditQuery): Promise<AuditEntry[]>;
  verify(): Promise<AuditVerification>;
  /** Deletes entries older than `before`, moving the anchor so the rest still verifies. */
  purgeBefore(before: number, trx?: Transaction<unknown>): Promise<number>;
}

const GENESIS = '0'.repeat(64);

const migrations: Record<string, Migration> = {
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
};

/** The hash covers every field and the previous hash, so editing or deleting a row breaks the chain. */
function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  const canonical = JSON.stringify([
    e.seq,
    e.ts,
    e.actorId,
    e.actorRole,
    e.action,
    e.targetType,
    e.targetId,
    e.source,
    e.detail,
    e.prevHash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

function toEntry(row: AuditTables['audit_log']): AuditEntry {
  return {
    seq: row.seq,
    ts: row.ts,
    actorId: row.actor_id,
    actorRole: row.actor_role,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    source: row.source,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export async function createAuditRepository(
  store: Store,
  clock: () => number = Date.now,
): Promise<AuditRepository> {
  await store.migrate('audit', migrations);
  const db = store.db.withTables<AuditTables>();
  const inTrx = async <T>(
    trx: Transaction<unknown> | undefined,
    fn: (t: AuditDb) => Promise<T>,
  ): Promise<T> => (trx ? fn(trx as unknown as Transaction<AuditTables>) : db.transaction().execute(fn));

  return {
    append: (input, trx) =>
      inTrx(trx, async (t) => {
        // Bumping the head row first takes its row lock, so concurrent appends line up (PostgreSQL).
        await t
          .updateTable('audit_head')
          .set((eb) => ({ seq: eb('seq', '+', 1) }))
          .where('id', '=', 1)
          .execute();
        const head = await t
          .selectFrom('audit_head')
          .selectAll()
          .where('id', '=', 1)
          .executeTakeFirstOrThrow();
        const base = {
          seq: Number(head.seq),
          ts: clock(),
          actorId: input.actorId,
          actorRole: input.actorRole,
          action: input.action,
          targetType: input.targetType,
          targetId: input.targetId,
          source: input.source,
          detail: input.detail ?? {},
          prevHash: head.hash,
        };
        const entry: AuditEntry = { ...base, hash: entryHash(base) };
        await t
          .insertInto('audit_log')
          .values({
            seq: entry.seq,
            ts: entry.ts,
            actor_id: entry.actorId,
            actor_role: entry.actorRole,
            action: entry.action,
            target_type: entry.targetType,
            target_id: entry.targetId,
            source: entry.source,
            detail: JSON.stringify(entry.detail),
            prev_hash: entry.prevHash,
            hash: entry.hash,
          })
          .execute();
        await t.updateTable('audit_head').set({ hash: entry.hash }).where('id', '=', 1).execute();
        return entry;
      }),

    async query(q) {
      let query = db.selectFrom('audit_log').selectAll();
      if (q.from !== undefined) query = query.where('ts', '>=', q.from);
      if (q.to !== undefined) query = query.where('ts', '<', q.to);
      if (q.actorId) query = query.where('actor_id', '=', q.actorId);
      if (q.action) query = query.where('action', '=', q.action);
      if (q.targetType) query = query.where('target_type', '=', q.targetType);
      if (q.targetId) query = query.where('target_id', '=', q.targetId);
      if (q.beforeSeq !== undefined) query = query.where('seq', '<', q.beforeSeq);
      const rows = await query
        .orderBy('seq', 'desc')
        .limit(Math.min(q.limit ?? 100, 1000))
        .execute();
      return rows.map(toEntry);
    },

    async verify() {
      const head = await db
        .selectFrom('audit_head')
        .selectAll()
        .where('id', '=', 1)
        .executeTakeFirstOrThrow();
      let prev = head.anchor_hash;
      let expectedSeq = Number(head.anchor_seq) + 1;
      let checked = 0;
      const page = 500;
      for (;;) {
        const rows = await db
          .selectFrom('audit_log')
          .selectAll()
          .where('seq', '>=', expectedSeq)
          .orderBy('seq')
          .limit(page)
          .execute();
        for (const row of rows) {
          const entry = toEntry(row);
          const { hash, ...rest } = entry;
          if (entry.seq !== expectedSeq || entry.prevHash !== prev || entryHash(rest) !== hash) {
            return { ok: false, checked, brokenAt: expectedSeq };
          }
          prev = hash;
          expectedSeq += 1;
          checked += 1;
        }
        if (rows.length < page) break;
      }
      // A deleted tail shows up as a head that no row reaches.
      const ok = Number(head.seq) === expectedSeq - 1 && head.hash === prev;
      return { ok, checked, brokenAt: ok ? null : expectedSeq };
    },

    purgeBefore: (before, trx) =>
      inTrx(trx, async (t) => {
        const last = await t
          .selectFrom('audit_log')
          .select(['seq', 'hash'])
          .where('ts', '<', before)
          .orderBy('seq', 'desc')
          .limit(1)
          .executeTakeFirst();
        if (!last) return 0;
        const deleted = await t.deleteFrom('audit_log').where('seq', '<=', last.seq).executeTakeFirst();
        await t
          .updateTable('audit_head')
          .set({ anchor_seq: last.seq, anchor_hash: last.hash })
          .where('id', '=', 1)
          .execute();
        return Number(deleted.numDeletedRows);
      }),
  };
}
