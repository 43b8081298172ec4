import type { Principal } from '../protocol/index.js';
import { auditEntry, type CaseRepository, type CaseRow } from '../store/index.js';
import type { Actor } from './auth-service.js';
import { CaseError } from './errors.js';

/** A viewer is always a signed-in principal (the HTTP layer refused everyone else). */
export interface Viewer {
  principal: Principal;
  source: string | null;
}

/** Roles that may read whole archived calls; agents only their own. */
const READ_ALL = new Set(['supervisor', 'service']);

export function mayRead(c: CaseRow, principal: Principal): boolean {
  if (READ_ALL.has(principal.role)) return true;
  return principal.role === 'agent' && (c.agentId === principal.id || c.openedBy === principal.id);
}

/** The case, if it exists and this viewer may read it; otherwise the error that says which. */
export async function readableCase(cases: CaseRepository, caseId: string, viewer: Viewer): Promise<CaseRow> {
  const row = await cases.getCase(caseId);
  if (!row) throw new CaseError('not_found', 'unknown_case', `no case ${caseId}`);
  if (!mayRead(row, viewer.principal))
    throw new CaseError('forbidden', 'not_your_case', 'this case belongs to another agent');
  return row;
}

/** The audit entry for `who` doing `action` on a case (or on cases, for a search). */
export const caseAuditEntry = (
  who: Actor,
  action: string,
  caseId: string | null,
  detail?: Record<string, unknown>,
) => auditEntry(who, action, { type: 'case', id: caseId }, detail);
