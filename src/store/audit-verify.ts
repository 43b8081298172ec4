import {
  anchorMessage,
  checkpointSignedBy,
  entryHash,
  headMessage,
  sameHex,
  type AuditKey,
} from './audit-chain.js';
import {
  toEntry,
  type AuditBreak,
  type AuditCheckpoint,
  type AuditDb,
  type AuditVerification,
} from './audit-records.js';

/**
 * Walks the chain from the retention anchor, page by page, checking every link and keyed hash,
 * the signed anchor and head, and the exported checkpoints against the rows (see AuditBreak).
 */
export async function verifyChain(
  db: AuditDb,
  key: AuditKey,
  keyedFrom: number,
  checkpoints: readonly AuditCheckpoint[],
): Promise<AuditVerification> {
  const head = await db.selectFrom('audit_head').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
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
    if (c.keyId !== key.id || !checkpointSignedBy(key, c)) return result('checkpoint_forged', c.seq);
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
      if (entry.prevHash !== prev || !sameHex(hash, entryHash(key, keyedFrom, rest)))
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
}
