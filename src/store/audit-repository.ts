import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Principal } from '../protocol/index.js';
import type { Store } from './database.js';
import { migrateDomain } from './migrations/index.js';

/**
 * The secret that keys the audit chain. It lives outside the database (a file or the environment,
 * see src/cases/audit-trail.ts), so someone who can write the database cannot recompute a chain.
 */
export interface AuditKey {
  /** Fingerprint, stored with the chain, so a wrong key is named as such rather than "broken at 1". */
  readonly id: string;
  mac(message: string): string;
}

export function auditKeyFrom(secret: Uint8Array): AuditKey {
  if (secret.byteLength < 32) throw new Error('the audit key must be at least 32 bytes');
  const key = Buffer.from(secret);
  const mac = (message: string) => createHmac('sha256', key).update(message).digest('hex');
  return { id: mac('hotline-assist audit key id').slice(0, 16), mac };
}

export class AuditKeyMismatchError extends Error {
  readonly code = 'audit_key_mismatch';
}

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
  /**
   * One row: the chain head (serialises appends) and the anchor left by retention, each signed with
   * the key; `keyed_from` is the first seq whose entry is keyed (older ones, from before keys
   * existed, are plain sha256).
   */
  audit_head: {
    id: number;
    seq: number;
    hash: string;
    anchor_seq: number;
    anchor_hash: string;
    head_mac: string | null;
    anchor_mac: string | null;
    key_id: string | null;
    keyed_from: number | null;
  };
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

/** Who did something, and from where (an address, or `cli`, `system`, `retention`…). */
export interface AuditActor {
  principal: Pick<Principal, 'id' | 'role'> | null;
  source: string | null;
}

/** The entry for `who` doing `action` on a target. */
export const auditEntry = (
  who: AuditActor,
  action: string,
  target: { type: string; id: string | null },
  detail?: Record<string, unknown>,
): AuditInput => ({
  actorId: who.principal?.id ?? null,
  actorRole: who.principal?.role ?? null,
  action,
  targetType: target.type,
  targetId: target.id,
  source: who.source,
  detail,
});

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

/**
 * The chain head at one moment, signed: exported outside the database (a file and a log line), so
 * a later truncation or rewrite of the table shows against it.
 */
export interface AuditCheckpoint {
  seq: number;
  hash: string;
  anchorSeq: number;
  ts: number;
  keyId: string;
  mac: string;
}

export type AuditBreak =
  | 'wrong_key'
  | 'head_forged'
  | 'anchor_forged'
  | 'entry_altered'
  | 'entry_missing'
  | 'tail_missing'
  | 'truncated'
  | 'rewritten'
  | 'checkpoint_forged';

export interface AuditVerification {
  ok: boolean;
  checked: number;
  /** First seq whose hash or link does not match (or the first seq missing). */
  brokenAt: number | null;
  /** What is wrong, when not ok. */
  reason: AuditBreak | null;
  /** Entries from before the chain was keyed (checked with plain sha256 only). */
  unkeyedEntries: number;
  /** Checkpoints compared against the table, and the newest one's seq. */
  checkpoints: { checked: number; latestSeq: number | null };
}

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

const canonicalOf = (e: Omit<AuditEntry, 'hash'>): string =>
  JSON.stringify([
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
const headMessage = (seq: number, hash: string) => `head|${seq}|${hash}`;
const anchorMessage = (seq: number, hash: string) => `anchor|${seq}|${hash}`;
const checkpointMessage = (c: Omit<AuditCheckpoint, 'mac'>) =>
  `checkpoint|${c.seq}|${c.hash}|${c.anchorSeq}|${c.ts}|${c.keyId}`;
const sameHex = (a: string | null, b: string): boolean =>
  a !== null && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Entries from before the chain was keyed: sha256 of every field and the previous hash. */
const legacyHash = (e: Omit<AuditEntry, 'hash'>): string =>
  createHash('sha256').update(canonicalOf(e)).digest('hex');

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
  const entryHash = (e: Omit<AuditEntry, 'hash'>): string =>
    e.seq < keyedFrom ? legacyHash(e) : key.mac(canonicalOf(e));
  const checkpointSigned = (c: AuditCheckpoint): boolean => {
    const { mac, ...body } = c;
    return sameHex(mac, key.mac(checkpointMessage(body)));
  };

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

    async verify(checkpoints = []) {
      const head = await readHead();
      const headSeq = Number(head.seq);
      const anchorSeq = Number(head.anchor_seq);
      let checked = 0;
      const result = (reason: AuditBreak | null, brokenAt: number | null): AuditVerification => ({
        ok: reason === null,
        checked,
        brokenAt,
        reason,
        unkeyedEntries: Math.max(0, Math.min(keyedFrom - 1, headSeq) - anchorSeq),
        checkpoints: {
          checked: checkpoints.length,
          latestSeq: checkpoints.reduce<number | null>((m, c) => (m === null || c.seq > m ? c.seq : m), null),
        },
      });
      if (head.key_id !== key.id) return result('wrong_key', null);
      if (!sameHex(head.anchor_mac, key.mac(anchorMessage(anchorSeq, head.anchor_hash))))
        return result('anchor_forged', anchorSeq);
      for (const c of checkpoints) {
        if (c.keyId !== key.id || !checkpointSigned(c)) return result('checkpoint_forged', c.seq);
        // The anchor only moves forward; a checkpoint past the head means the tail was cut.
        if (c.anchorSeq > anchorSeq) return result('anchor_forged', anchorSeq);
        if (c.seq > headSeq) return result('truncated', headSeq + 1);
      }
      const expectedAt = new Map<number, string>();
      for (const c of checkpoints) if (c.seq > anchorSeq) expectedAt.set(c.seq, c.hash);

      let prev = head.anchor_hash;
      let expectedSeq = anchorSeq + 1;
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
          if (entry.seq !== expectedSeq) return result('entry_missing', expectedSeq);
          const { hash, ...rest } = entry;
          if (entry.prevHash !== prev || !sameHex(hash, entryHash(rest)))
            return result('entry_altered', expectedSeq);
          const expected = expectedAt.get(entry.seq);
          if (expected !== undefined && expected !== hash) return result('rewritten', entry.seq);
          prev = hash;
          expectedSeq += 1;
          checked += 1;
        }
        if (rows.length < page) break;
      }
      // A deleted tail shows up as a head that no row reaches; a head reset onto the cut tail is unsigned.
      if (headSeq !== expectedSeq - 1 || head.hash !== prev) return result('tail_missing', expectedSeq);
      if (!sameHex(head.head_mac, key.mac(headMessage(headSeq, head.hash))))
        return result('head_forged', headSeq);
      return result(null, null);
    },

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
