import { randomUUID } from 'node:crypto';
import type { Principal, ServerEvent, StartMessage } from '../protocol/index.js';
import { CallSession, type CallServices, type CallSummary } from './call-session.js';
import { CallError } from './errors.js';
import { RecorderError } from './recorder.js';

export { CallError };

type AlertEvent = Extract<ServerEvent, { type: 'alert' }>;
type AlertActionEvent = Extract<ServerEvent, { type: 'alert_action' }>;
/** Who did something about an alert, and when. */
export interface AlertStep {
  by: string | null;
  by_name: string | null;
  at: number;
}

/** An alert on the supervisor board, with what has been done about it. */
export type AlertRecord = Pick<
  AlertEvent,
  'case_id' | 'utterance_id' | 'level' | 'category' | 'protocol' | 'script' | 'reason' | 'text' | 'ts' | 'seq'
> & {
  acknowledged_by_agent: AlertStep | null;
  acknowledged_by_supervisor: AlertStep | null;
  taken_over_by: AlertStep | null;
  outcome: (AlertStep & { note: string }) | null;
  /** Last time anything happened to it (ms): the board asks for what changed since. */
  updated_at: number;
};

const ALERT_FEED_SIZE = 500;

/**
 * All calls on this node, by case id. A call whose audio connection drops without `end` stays
 * resumable for the resume window, then is closed with reason `timeout`; an ended call stays
 * readable (desktop replay, late resume) for the same window.
 */
export class CallSessionManager {
  private readonly calls = new Map<string, CallSession>();
  private readonly expiry = new Map<string, NodeJS.Timeout>();
  private readonly alertFeed: AlertRecord[] = [];
  private readonly alertListeners = new Set<(alert: AlertRecord) => void>();
  /** Set by `shutdown`: no new calls, no resumes. */
  private draining = false;

  constructor(private readonly services: CallServices) {}

  /**
   * Starts a new call. Refused (CallError) while shutting down, for a case id live here, and with
   * the archive's refusal: an archived or held case, someone else's case, storage down.
   */
  async open(start: StartMessage, openedBy: Principal | null = null): Promise<CallSession> {
    this.refuseWhileDraining();
    const caseId = start.case_id ?? `call-${randomUUID()}`;
    const previous = this.calls.get(caseId);
    if (previous && previous.state !== 'ended') {
      throw new CallError(
        'case_in_use',
        `call ${caseId} is already live; send {"type":"resume"} to continue it`,
      );
    }
    this.clearTimer(caseId);
    const session = new CallSession(caseId, { ...start, case_id: caseId }, this.services, openedBy);
    session.log.tap((event) => {
      if (event.type === 'alert') this.recordAlert(event);
      else if (event.type === 'alert_action') this.recordAlertAction(event);
    });
    this.calls.set(caseId, session);
    if (this.services.caseNumbers) {
      try {
        session.caseNo = await this.services.caseNumbers.assign(caseId, session.startedAt.getTime());
      } catch (err) {
        // A number is for people; the call goes on without one rather than being refused.
        this.services.logger.error({ err, case_id: caseId }, 'case number not assigned');
      }
    }
    try {
      await session.begin();
    } catch (err) {
      await session.abort();
      if (previous) {
        this.calls.set(caseId, previous);
        this.ended(caseId);
      } else this.calls.delete(caseId);
      if (err instanceof RecorderError) throw new CallError(err.code, err.message);
      throw err;
    }
    session.onFailure(() => this.ended(caseId));
    return session;
  }

  get(caseId: string): CallSession | undefined {
    return this.calls.get(caseId);
  }

  /** The audio connection went away without `end`: keep the call resumable for the window. */
  detach(caseId: string): void {
    const session = this.calls.get(caseId);
    if (!session || session.state !== 'live') return;
    this.schedule(caseId, () => {
      void session.end('timeout').then(() => this.schedule(caseId, () => this.forget(caseId)));
    });
  }

  /** A new audio connection continues the call (whether it may is the caller's check: `mayDriveCall`). */
  resume(caseId: string): CallSession {
    this.refuseWhileDraining();
    const session = this.calls.get(caseId);
    if (!session)
      throw new CallError(
        'unknown_case',
        `no call ${caseId} to resume (never started here, or past the resume window)`,
      );
    if (session.state === 'live') this.clearTimer(caseId);
    return session;
  }

  /** The call ended normally: keep it readable for the window, then forget it. */
  ended(caseId: string): void {
    this.schedule(caseId, () => this.forget(caseId));
  }

  list(): CallSummary[] {
    return [...this.calls.values()].map((s) => s.summary());
  }

  alerts(sinceTs = 0): AlertRecord[] {
    return this.alertFeed.filter((a) => a.updated_at > sinceTs);
  }

  onAlert(listener: (alert: AlertRecord) => void): () => void {
    this.alertListeners.add(listener);
    return () => this.alertListeners.delete(listener);
  }

  get liveCount(): number {
    let n = 0;
    for (const s of this.calls.values()) if (s.state !== 'ended') n++;
    return n;
  }

  get shuttingDown(): boolean {
    return this.draining;
  }

  /**
   * Refuses new calls and resumes, then ends every live call: last finals flushed and archived,
   * clients told `closed` with `server_shutdown`. Resolves false when `timeoutMs` ran out first.
   */
  async shutdown(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    this.draining = true;
    for (const timer of this.expiry.values()) clearTimeout(timer);
    this.expiry.clear();
    const all = Promise.all([...this.calls.values()].map((s) => s.end('server_shutdown'))).then(() => true);
    if (!Number.isFinite(timeoutMs)) return all;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const done = await Promise.race([all, late]);
    clearTimeout(timer);
    return done;
  }

  private refuseWhileDraining(): void {
    if (this.draining)
      throw new CallError(
        'server_shutdown',
        'the server is shutting down: no new calls; retry on another server',
      );
  }

  private recordAlert(event: AlertEvent): void {
    const record: AlertRecord = {
      case_id: event.case_id,
      utterance_id: event.utterance_id,
      level: event.level,
      category: event.category,
      protocol: event.protocol,
      script: event.script,
      reason: event.reason,
      text: event.text,
      ts: event.ts,
      seq: event.seq,
      acknowledged_by_agent: null,
      acknowledged_by_supervisor: null,
      taken_over_by: null,
      outcome: null,
      updated_at: event.ts,
    };
    this.alertFeed.push(record);
    if (this.alertFeed.length > ALERT_FEED_SIZE) this.alertFeed.shift();
    for (const listener of this.alertListeners) listener(record);
  }

  private recordAlertAction(event: AlertActionEvent): void {
    const record = this.alertFeed.find((a) => a.case_id === event.case_id && a.seq === event.alert_seq);
    if (!record) return;
    const step = { by: event.by, by_name: event.by_name, at: event.ts };
    if (event.action === 'outcome') record.outcome = { ...step, note: event.note ?? '' };
    else if (event.action === 'take_over') record.taken_over_by = step;
    else if (event.role === 'agent') record.acknowledged_by_agent = step;
    else record.acknowledged_by_supervisor = step;
    record.updated_at = event.ts;
    for (const listener of this.alertListeners) listener(record);
  }

  private schedule(caseId: string, action: () => void): void {
    this.clearTimer(caseId);
    const timer = setTimeout(() => {
      this.expiry.delete(caseId);
      action();
    }, this.services.config.stream.resumeWindowMs);
    timer.unref();
    this.expiry.set(caseId, timer);
  }

  private clearTimer(caseId: string): void {
    const timer = this.expiry.get(caseId);
    if (timer) clearTimeout(timer);
    this.expiry.delete(caseId);
  }

  private forget(caseId: string): void {
    this.clearTimer(caseId);
    this.calls.delete(caseId);
  }
}
