import type { Transaction } from 'kysely';
import {
  anchorMessage,
  canonicalOf,
  checkpointMessage,
  checkpointSignedBy,
  headMessage,
  type AuditKey,
  AuditKeyMismatchError,
} from './audit-chain.js';
import {
  toEntry,
  type AuditCheckpoint,
  type AuditDb,
  type AuditEntry,
  type AuditInput,
  type AuditQuery,
  type AuditTables,
  type AuditVerification,
} from './audit-records.js';
import { verifyChain } from './audit-verify.js';
import type { Store } from './database.js';
import { migrateDomain } from './migrations/index.js';

export interface AuditRepository {
  /** Appends inside the caller's transaction when given, so the record and the change commit together. */
  append(entry: AuditInput, trx?: Transaction<unknown>): Promise<AuditEntry>;
  query(query: AuditQuery): Promise<AuditEntry[]>;
  /** Walks the chain from the anchor with the key, and checks it against exported checkpoints. */
  verify(checkpoints?: readonly AuditCheckpoint[]): Promise<AuditVerification>;
  /** A signed checkpoint of the current head. */
  checkpoint(): Promise<AuditCheckpoint>;
  /** Whether a checkpoint's signature is this key's. */
  checkpointSigned(checkpoint: AuditCheckpoint): boolean;
  /** Deletes entries older than `before`, moving the anchor so the rest still verifies. */
  purgeBefore(before: number, trx?: Transaction<unknown>): Promise<number>;
}

export interface AuditRepositoryOptions {
  key: AuditKey;
  clock?: () => number;
}

/**
 * The audit log as a keyed hash chain: each entry's hash is an HMAC (key outside the database) of
 * every field and the previous hash; the head and the retention anchor are signed too. Without the
 * key nobody can recompute the chain after editing, deleting or appending rows, reset the head
 * after cutting the tail, or move the anchor after deleting the oldest entries.
 */
export async function createAuditRepository(
  store: Store,
  options: AuditRepositoryOptions,
): Promise<AuditRepository> {
  const { key } = options;
  const clock = options.clock ?? Date.now;
  await migrateDomain(store, 'audit');
  const db = store.db.withTables<AuditTables>();
  const inTrx = async <T>(
    trx: Transaction<unknown> | undefined,
    fn: (t: AuditDb) => Promise<T>,
  ): Promise<T> => (trx ? fn(trx as unknown as Transaction<AuditTables>) : db.transaction().execute(fn));
  const readHead = (t: AuditDb = db) =>
    t.selectFrom('audit_head').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();

  // First start with a key: sign the head and anchor as they are (trust on first use); entries
  // from now on are keyed. A database keyed with another key is refused, loudly.
  await db.transaction().execute(async (t) => {
    await t
      .updateTable('audit_head')
      .set((eb) => ({ seq: eb('seq', '+', 0) }))
      .where('id', '=', 1)
      .execute();
    const head = await readHead(t);
    if (head.key_id === null) {
      const seq = Number(head.seq);
      const anchorSeq = Number(head.anchor_seq);
      await t
        .updateTable('audit_head')
        .set({
          key_id: key.id,
          keyed_from: seq + 1,
          head_mac: key.mac(headMessage(seq, head.hash)),
          anchor_mac: key.mac(anchorMessage(anchorSeq, head.anchor_hash)),
        })
        .where('id', '=', 1)
        .execute();
    } else if (head.key_id !== key.id) {
      throw new AuditKeyMismatchError(
        `the audit log in this database was keyed with audit key ${head.key_id}, but the configured key is ${key.id}; restore the original key file (HOTLINE_AUDIT_KEY_FILE) or HOTLINE_AUDIT_KEY`,
      );
    }
  });
  const keyedFrom = Number((await readHead()).keyed_from);
  const checkpointSigned = (c: AuditCheckpoint): boolean => checkpointSignedBy(key, c);

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
        const entry: AuditEntry = { ...base, hash: key.mac(canonicalOf(base)) };
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
        await t
          .updateTable('audit_head')
          .set({ hash: entry.hash, head_mac: key.mac(headMessage(entry.seq, entry.hash)) })
          .where('id', '=', 1)
          .execute();
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

    verify: (checkpoints = []) => verifyChain(db, key, keyedFrom, checkpoints),

    async checkpoint() {
      const head = await readHead();
      const body = {
        seq: Number(head.seq),
        hash: head.hash,
        anchorSeq: Number(head.anchor_seq),
        ts: clock(),
        keyId: key.id,
      };
      return { ...body, mac: key.mac(checkpointMessage(body)) };
    },

    checkpointSigned,

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
          .set({
            anchor_seq: last.seq,
            anchor_hash: last.hash,
            anchor_mac: key.mac(anchorMessage(Number(last.seq), last.hash)),
          })
          .where('id', '=', 1)
          .execute();
        return Number(deleted.numDeletedRows);
      }),
  };
}
