import type { Principal } from '../protocol/index.js';
import { RecorderError, type CallStartInfo } from '../session/index.js';
import type { CaseRepository, CaseRow, StorageHealth } from '../store/index.js';

/** Who may stream into a case row that exists but is not live in this process. */
function ownsCase(row: CaseRow, p: Principal | null | undefined): boolean {
  if (!p) return false;
  return row.openedBy === p.id || (p.role === 'agent' && row.agentId === p.id);
}

/**
 * A case whose call the server cut off (a crash, a shutdown, a lost client, a full disk) rather
 * than one its client ended or a record closed: its owner may start it again as a new run, which
 * only adds audio after the earlier run's. A call ended normally is archived evidence.
 */
function cutOff(row: CaseRow): boolean {
  if (row.status === 'live' || row.status === 'interrupted') return true;
  return (
    row.endReason === 'server_shutdown' ||
    row.endReason === 'timeout' ||
    row.endReason === 'storage_unavailable'
  );
}

/** Storage could not take an item: nothing that depends on it may be acknowledged. */
export const storageRefusal = (err: unknown): RecorderError =>
  new RecorderError('storage_unavailable', `storage failed: ${(err as Error).message}`);

/** A stream may use a case id the archive knows only while that case is live, not held, and its own. */
export async function admitCall(
  info: CallStartInfo,
  deps: { cases: CaseRepository; health?: StorageHealth },
): Promise<void> {
  const { cases, health } = deps;
  if (health && !health.ok())
    throw new RecorderError(
      'storage_unavailable',
      `storage is unavailable (${health.reason()}); no new calls`,
    );
  let existing: CaseRow | null;
  try {
    existing = await cases.getCase(info.caseId);
  } catch (err) {
    health?.report(err, 'case lookup');
    throw storageRefusal(err);
  }
  if (!existing) return;
  if (existing.legalHold || !cutOff(existing)) {
    throw new RecorderError(
      'case_archived',
      `case ${info.caseId} is already archived (${existing.legalHold ? 'on legal hold' : `${existing.status}: ${existing.endReason ?? 'recorded'}`}); a new stream cannot add to or overwrite it: use a new case id`,
    );
  }
  if (!ownsCase(existing, info.principal))
    throw new RecorderError('forbidden', `case ${info.caseId} belongs to someone else`);
}
