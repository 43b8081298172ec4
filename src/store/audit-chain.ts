import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { AuditCheckpoint, AuditEntry } from './audit-records.js';

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

export const canonicalOf = (e: Omit<AuditEntry, 'hash'>): string =>
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
export const headMessage = (seq: number, hash: string) => `head|${seq}|${hash}`;
export const anchorMessage = (seq: number, hash: string) => `anchor|${seq}|${hash}`;
export const checkpointMessage = (c: Omit<AuditCheckpoint, 'mac'>) =>
  `checkpoint|${c.seq}|${c.hash}|${c.anchorSeq}|${c.ts}|${c.keyId}`;
export const sameHex = (a: string | null, b: string): boolean =>
  a !== null && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Entries from before the chain was keyed: sha256 of every field and the previous hash. */
const legacyHash = (e: Omit<AuditEntry, 'hash'>): string =>
  createHash('sha256').update(canonicalOf(e)).digest('hex');

/** The hash an entry must carry: keyed from `keyedFrom` on, plain sha256 before. */
export const entryHash = (key: AuditKey, keyedFrom: number, e: Omit<AuditEntry, 'hash'>): string =>
  e.seq < keyedFrom ? legacyHash(e) : key.mac(canonicalOf(e));

export const checkpointSignedBy = (key: AuditKey, c: AuditCheckpoint): boolean => {
  const { mac, ...body } = c;
  return sameHex(mac, key.mac(checkpointMessage(body)));
};
