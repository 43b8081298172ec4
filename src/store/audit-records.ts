import type { Kysely, Transaction } from 'kysely';
import type { Principal } from '../protocol/index.js';

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

export function toEntry(row: AuditTables['audit_log']): AuditEntry {
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
