import type { AlertAction, FeedbackMessage, Principal, ServerEvent } from '../protocol/index.js';
import type { CallOwnership } from './access.js';
import { CallActivity } from './call-activity.js';
import type { CallSummary } from './call-services.js';
import type { CallDirectory, CallEnvelope } from './directory.js';
import { CallEventLog } from './event-log.js';

/** What a follower (desktop, supervisor board) needs of a call, wherever it runs. */
export interface FollowedCall {
  readonly caseId: string;
  readonly ownership: CallOwnership;
  readonly log: CallEventLog;
  summary(): CallSummary;
  feedback(message: FeedbackMessage, by: string | null): void;
  /**
   * Resolves once the action is stored (here) or handed to the node holding the call; false when
   * the call has no alert with that seq.
   */
  alertAction(request: AlertActionRequest): Promise<boolean>;
}

/** Someone acts on one of a call's alerts (acknowledge, take over, outcome…). */
export interface AlertActionRequest {
  alertSeq: number;
  action: AlertAction;
  actor: Principal | null;
  note: string | null;
}

/**
 * A call held by another node, mirrored here from the bus so desktops connected to this node follow
 * it live with the holder's `seq`. What a follower does to it is forwarded to the holder.
 */
export class RemoteCall implements FollowedCall {
  readonly log: CallEventLog;
  private readonly activity = new CallActivity();
  private started: ServerEvent | null = null;
  /** The last event was `closed`: with which reason, when. */
  private closed: { reason: string; at: number } | null = null;
  /** The holder's events that came while the call's earlier ones were fetched from the bus. */
  private waiting: CallEnvelope[] | null = null;

  constructor(
    readonly caseId: string,
    public ownership: CallOwnership,
    private readonly directory: CallDirectory,
    capacity: number,
  ) {
    this.log = new CallEventLog(caseId, capacity);
    this.log.tap((event) => {
      this.activity.observe(event);
      if (event.seq === 1) this.started = event;
      this.closed = event.type === 'closed' ? { reason: event.reason, at: event.ts } : null;
    });
  }

  /**
   * An event from the node holding the call, relayed to this node's followers in the holder's
   * order. The first one of a call already under way (this node started since) first brings the
   * call's earlier events from the bus, so a follower here gets the whole call, not its tail.
   */
  receive(envelope: CallEnvelope): void {
    this.ownership = envelope.ownership;
    if (this.waiting) {
      this.waiting.push(envelope);
      return;
    }
    if (this.log.lastSeq === 0 && envelope.event.seq > 1) {
      this.waiting = [envelope];
      void this.catchUp();
      return;
    }
    this.log.relay(envelope.event);
  }

  private async catchUp(): Promise<void> {
    // Without the bus's history the call is followed from here on, as before it came.
    const history = await this.directory.history(this.caseId).catch(() => []);
    const run = history.slice(
      Math.max(
        0,
        history.findLastIndex((e) => e.event.seq === 1),
      ),
    );
    const waiting = this.waiting ?? [];
    this.waiting = null;
    // What both hold is relayed once (the log drops a seq it has seen).
    for (const { event } of [...run, ...waiting]) this.log.relay(event);
  }

  /** The call was closed for good on its node (a drain's `resume_elsewhere` is not an end). */
  get ended(): boolean {
    return this.closed !== null && this.closed.reason !== 'resume_elsewhere';
  }

  /** Readable number of the call, once its `started` has been seen. */
  get caseNo(): string | null {
    return this.started?.type === 'started' ? (this.started.case_no ?? null) : null;
  }

  summary(): CallSummary {
    const ended = this.ended;
    return {
      case_id: this.caseId,
      case_no: this.caseNo,
      speech_to_text: this.started?.type === 'started' ? this.started.asr !== null : false,
      started_at: new Date(this.log.firstTs ?? Date.now()).toISOString(),
      ended_at: ended && this.closed ? new Date(this.closed.at).toISOString() : null,
      agent_id: this.ownership.agentId,
      agent_name:
        this.ownership.openedBy && this.ownership.openedBy.id === this.ownership.agentId
          ? (this.ownership.openedBy.name ?? null)
          : null,
      status: ended ? 'ended' : 'live',
      last_utterance: this.activity.lastUtterance,
      agency: this.activity.agency,
      alert_level: this.activity.alertLevel,
      open_alerts: this.activity.openAlerts,
      last_seq: this.log.lastSeq,
    };
  }

  feedback(message: FeedbackMessage, by: string | null): void {
    this.directory.command({ type: 'feedback', case_id: this.caseId, message, by });
  }

  async alertAction({ alertSeq, action, actor, note }: AlertActionRequest): Promise<boolean> {
    if (!this.activity.hasAlert(alertSeq)) return false;
    this.directory.command({
      type: 'alert_action',
      case_id: this.caseId,
      alert_seq: alertSeq,
      action,
      actor,
      note,
    });
    return true;
  }
}
