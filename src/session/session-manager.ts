import { randomUUID } from 'node:crypto';
import type { AlertItem, Principal, ServerEvent, StartMessage } from '../protocol/index.js';
import { CallSession } from './call-session.js';
import type { CallServices, CallSummary } from './call-services.js';
import { mayDriveCall } from './access.js';
import type { CallCommand, CallDirectory, CallEnvelope } from './directory.js';
import { RemoteCall, type FollowedCall } from './remote-call.js';
import { CallError } from './errors.js';
import { CallAdmission } from './admission.js';
import { RecorderError } from './recorder.js';

export { CallError };

type AlertEvent = Extract<ServerEvent, { type: 'alert' }>;
type AlertActionEvent = Extract<ServerEvent, { type: 'alert_action' }>;

const ALERT_FEED_SIZE = 500;

/**
 * All calls on this node, by case id. A call whose audio connection drops without `end` stays
 * resumable for the resume window, then is closed with reason `timeout`; an ended call stays
 * readable (desktop replay, late resume) for the same window.
 */
export class CallSessionManager {
  private readonly calls = new Map<string, CallSession>();
  private readonly expiry = new Map<string, NodeJS.Timeout>();
  private readonly alertFeed: AlertItem[] = [];
  private readonly alertListeners = new Set<(alert: AlertItem) => void>();
  private readonly eventObservers = new Set<(event: ServerEvent) => void>();
  /** Set by `shutdown`: no new calls, no resumes. */
  private draining = false;
  /** Calls other nodes hold, mirrored from the bus (cluster mode). */
  private readonly remote = new Map<string, RemoteCall>();
  /** Starts and adoptions of calls, one per turn of the event loop (a burst stalls no live call). */
  private readonly admission = new CallAdmission();

  /** `directory`: the other nodes of a cluster; null = this node is on its own. */
  constructor(
    private readonly services: CallServices,
    private readonly directory: CallDirectory | null = null,
  ) {
    directory?.onRemoteEvent((envelope) => this.onRemoteEvent(envelope));
    directory?.onCommand((command) => this.onCommand(command));
  }

  /**
   * Starts a new call. Refused (CallError) while shutting down, for a case id live here, and with
   * the archive's refusal: an archived or held case, someone else's case, storage down.
   */
  async open(start: StartMessage, openedBy: Principal | null = null): Promise<CallSession> {
    await this.admission.turn();
    this.refuseWhileDraining();
    const caseId = start.case_id ?? `call-${randomUUID()}`;
    const previous = this.calls.get(caseId);
    if (previous && previous.state !== 'ended') {
      throw new CallError(
        'case_in_use',
        `call ${caseId} is already live; send {"type":"resume"} to continue it`,
      );
    }
    if (this.directory && !(await this.directory.claim(caseId)))
      throw new CallError(
        'case_in_use',
        `call ${caseId} is live on another node; send {"type":"resume"} to continue it`,
      );
    this.clearTimer(caseId);
    const session = new CallSession(caseId, { ...start, case_id: caseId }, this.services, openedBy);
    this.wire(session);
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
      await this.directory?.release(caseId);
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

  /** A call held here or, in a cluster, on another node (followers see both alike). */
  followed(caseId: string): FollowedCall | undefined {
    return this.calls.get(caseId) ?? this.remote.get(caseId);
  }

  /** The audio connection went away without `end`: keep the call resumable for the window. */
  detach(caseId: string): void {
    const session = this.calls.get(caseId);
    if (!session || session.state !== 'live') return;
    this.schedule(caseId, () => {
      void session.end('timeout').then(() => this.schedule(caseId, () => this.forget(caseId)));
    });
  }

  /**
   * A new audio connection continues the call (whether it may is the caller's check: `mayDriveCall`).
   * In a cluster, a call another node held (it died or drained) continues here under the same case,
   * numbered after `lastSeq` (the last event the client got) where the bus lost the last ones.
   */
  async resume(caseId: string, principal: Principal | null = null, lastSeq = 0): Promise<CallSession> {
    this.refuseWhileDraining();
    const session =
      this.calls.get(caseId) ?? (this.directory ? await this.adopt(caseId, principal, lastSeq) : undefined);
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
    const remote = [...this.remote.values()].filter((r) => !this.calls.has(r.caseId));
    return [...this.calls.values(), ...remote].map((s) => s.summary());
  }

  alerts(sinceTs = 0): AlertItem[] {
    return this.alertFeed.filter((a) => a.updated_at > sinceTs);
  }

  onAlert(listener: (alert: AlertItem) => void): () => void {
    this.alertListeners.add(listener);
    return () => this.alertListeners.delete(listener);
  }

  /** Sees every event of every call held here (metrics). */
  observe(observer: (event: ServerEvent) => void): () => void {
    this.eventObservers.add(observer);
    return () => this.eventObservers.delete(observer);
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
   * clients told `closed` with `server_shutdown` — or, in a cluster, `resume_elsewhere` (another
   * node continues the call). When `timeoutMs` runs out first, the calls still ending are aborted
   * (what their stages had in flight is dropped, so nothing lands after their `closed`) and it
   * resolves false.
   */
  async shutdown(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    this.draining = true;
    for (const timer of this.expiry.values()) clearTimeout(timer);
    this.expiry.clear();
    const reason = this.directory ? 'resume_elsewhere' : 'server_shutdown';
    const sessions = [...this.calls.values()];
    const all = Promise.all(sessions.map((s) => s.end(reason))).then(() => true);
    if (!Number.isFinite(timeoutMs)) return all;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const done = await Promise.race([all, late]);
    clearTimeout(timer);
    // Not awaited: an end stuck on storage must not hold the shutdown (its journal is recovered).
    if (!done) for (const session of sessions) void session.abort();
    return done;
  }

  /** Alerts for the board, the bus for other nodes, and the claim given up when the call is over. */
  private wire(session: CallSession): void {
    const { caseId } = session;
    let first = true;
    session.log.tap((event) => {
      for (const observer of this.eventObservers) observer(event);
      if (event.type === 'alert') this.recordAlert(event, session.caseNo);
      else if (event.type === 'alert_action') this.recordAlertAction(event);
      if (!this.directory) return;
      this.directory.publish({
        node: this.directory.nodeId,
        ownership: session.ownership,
        event,
        ...(first ? { start: session.start } : {}),
      });
      first = false;
      if (event.type === 'closed' || (event.type === 'error' && event.fatal)) void this.release(caseId);
    });
  }

  private release(caseId: string): Promise<void> {
    return (this.directory?.release(caseId) ?? Promise.resolve()).catch((err: unknown) =>
      this.services.logger.error({ err, case_id: caseId }, 'cluster: case claim not released'),
    );
  }

  /**
   * Continues here a call whose node died or drained: its run so far comes from the bus (the
   * client gets what it missed), the claim moves to this node, and the archive goes on under the
   * same case. Undefined when the bus knows no live run of the case.
   */
  private async adopt(
    caseId: string,
    principal: Principal | null,
    lastSeq: number,
  ): Promise<CallSession | undefined> {
    const directory = this.directory;
    if (!directory) return undefined;
    await this.admission.turn();
    const history = await directory.history(caseId);
    const run = history.slice(
      Math.max(
        0,
        history.findLastIndex((e) => e.event.seq === 1),
      ),
    );
    const first = run[0];
    const last = run.at(-1);
    if (!first?.start || first.event.type !== 'started' || !last) return undefined;
    if (last.event.type === 'closed' && last.event.reason !== 'resume_elsewhere') return undefined;
    if (!mayDriveCall(last.ownership, principal))
      throw new CallError(
        'forbidden',
        `call ${caseId} belongs to someone else; it cannot be resumed from here`,
      );
    if (!(await directory.claim(caseId)))
      throw new CallError(
        'case_in_use',
        `call ${caseId} is still held by node ${last.node}; retry the resume in a few seconds`,
      );
    const session = new CallSession(
      caseId,
      first.start,
      this.services,
      last.ownership.openedBy,
      run.map((e) => e.event),
    );
    session.caseNo = first.event.case_no ?? null;
    session.log.continueAfter(lastSeq);
    this.wire(session);
    this.calls.set(caseId, session);
    try {
      await session.begin();
    } catch (err) {
      await session.abort();
      this.calls.delete(caseId);
      await this.release(caseId);
      if (err instanceof RecorderError) throw new CallError(err.code, err.message);
      throw err;
    }
    session.onFailure(() => this.ended(caseId));
    const mirror = this.remote.get(caseId);
    mirror?.log.moveSubscribersTo(session.log);
    this.remote.delete(caseId);
    this.services.logger.info({ case_id: caseId, from: last.node }, 'cluster: call continued on this node');
    return session;
  }

  private onRemoteEvent(envelope: CallEnvelope): void {
    const caseId = envelope.event.case_id;
    if (!caseId || this.calls.get(caseId)?.state === 'live') return;
    let mirror = this.remote.get(caseId);
    if (!mirror) {
      const created = new RemoteCall(
        caseId,
        envelope.ownership,
        this.directory as CallDirectory,
        this.services.config.stream.replayBufferEvents,
      );
      // Each alert step once, in the holder's order (with those caught up from the bus).
      created.log.tap((event) => {
        if (event.type === 'alert') this.recordAlert(event, created.caseNo);
        else if (event.type === 'alert_action') this.recordAlertAction(event);
      });
      this.remote.set(caseId, created);
      mirror = created;
    }
    mirror.receive(envelope);
    // A mirror nobody feeds any more (its call ended, or its node died and nobody resumed) goes.
    this.schedule(`remote:${caseId}`, () => this.remote.delete(caseId));
  }

  /** A follower on another node acted on a call held here (its node checked the access). */
  private onCommand(command: CallCommand): void {
    const session = this.calls.get(command.case_id);
    if (!session || session.state === 'ended') return;
    if (command.type === 'feedback') session.feedback(command.message, command.by);
    else
      void session.alertAction({
        alertSeq: command.alert_seq,
        action: command.action,
        actor: command.actor,
        note: command.note,
      });
  }

  private refuseWhileDraining(): void {
    if (this.draining)
      throw new CallError(
        'server_shutdown',
        'the server is shutting down: no new calls; retry on another server',
      );
  }

  private recordAlert(event: AlertEvent, caseNo: string | null): void {
    const record: AlertItem = {
      case_id: event.case_id,
      case_no: caseNo,
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
