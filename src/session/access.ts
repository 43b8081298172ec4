import type { Principal } from '../protocol/index.js';

/** What a live call says about who it belongs to. */
export interface CallOwnership {
  /** The agent the call is assigned to (forced to the agent's own id when an agent streams). */
  agentId: string | null;
  /** Whoever opened the audio stream (a user, or an ingress token). */
  openedBy: Principal | null;
}

export interface CallAccessPolicy {
  /** Agents may follow and work calls that came in with no agent assigned (`HOTLINE_AGENTS_SEE_UNASSIGNED_CALLS`). */
  agentsSeeUnassignedCalls: boolean;
}

const isOpener = (call: CallOwnership, p: Principal): boolean => call.openedBy?.id === p.id;
const unassignedForAgents = (call: CallOwnership, p: Principal, policy: CallAccessPolicy): boolean =>
  p.role === 'agent' && call.agentId === null && policy.agentsSeeUnassignedCalls;

/**
 * Who may continue the call's audio (`resume`, audio, `end`): the connection's own principal
 * (the same token or account that started it), or the agent it is assigned to. Nobody else,
 * supervisors included: a takeover would put someone else's audio into the recording.
 */
export function mayDriveCall(call: CallOwnership, p: Principal | null): boolean {
  if (!p) return false;
  return isOpener(call, p) || (p.role === 'agent' && call.agentId === p.id);
}

/**
 * Who may watch the call's events (transcript, suggestions): supervisors, the assigned agent, the
 * opener (an agent's or admin's own test stream); agents see unassigned calls only by policy.
 * Admins never see other people's call content.
 */
export function mayFollowCall(call: CallOwnership, p: Principal | null, policy: CallAccessPolicy): boolean {
  if (!p) return false;
  if (p.role === 'supervisor') return true;
  if (p.role === 'agent')
    return call.agentId === p.id || isOpener(call, p) || unassignedForAgents(call, p, policy);
  return p.role === 'admin' && isOpener(call, p);
}

/**
 * Who may annotate the call (adopt/reject suggestions, notes): the agent working it, or whoever
 * opened it as an agent or supervisor. The supervisor view of someone else's call is read-only, and
 * admins never annotate.
 */
export function mayAnnotateCall(call: CallOwnership, p: Principal | null, policy: CallAccessPolicy): boolean {
  if (!p || p.role === 'admin') return false;
  if (p.role === 'agent')
    return (
      call.agentId === p.id ||
      unassignedForAgents(call, p, policy) ||
      (call.agentId === null && isOpener(call, p))
    );
  return p.role === 'supervisor' && isOpener(call, p) && (call.agentId === null || call.agentId === p.id);
}

/** One access to a call's content (or a refused attempt), for the audit log. */
export interface CallAccessEntry {
  /** `call.follow`, `call.resume`, `call.list`, `call.denied`, … */
  action: string;
  caseId: string | null;
  principal: Principal | null;
  /** Client address. */
  source: string | null;
  detail?: Record<string, unknown>;
}

/**
 * Port to the audit log (the app wires the archive's). Access is granted only once the entry is
 * written: when it cannot be, the caller refuses (`storage_unavailable`).
 */
export type CallAccessAudit = (entry: CallAccessEntry) => Promise<void>;
