import type { EventBody, ServerEvent } from '../protocol/index.js';

/** Someone following a call: the caller's own socket, a desktop, the supervisor view. */
export interface EventSubscriber {
  deliver(event: ServerEvent): void;
}

/**
 * The call's ordered event stream: assigns the per-call, gap-free `seq`, keeps the most recent
 * events for resume, and fans each event out to subscribers. Subscribers own their buffering, so
 * a slow one never holds up the call.
 */
export class CallEventLog {
  private nextSeq = 1;
  private first: number | null = null;
  private readonly buffer: ServerEvent[] = [];
  private readonly subscribers = new Set<EventSubscriber>();
  private readonly taps: Array<(event: ServerEvent) => void> = [];

  constructor(
    readonly caseId: string,
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
    /**
     * Makes an event durable before anyone sees it (the archive). When it throws, the event is not
     * emitted at all (no seq is used) and emit returns null: nothing is acknowledged that is not stored.
     */
    private readonly persist: ((event: ServerEvent) => void) | null = null,
  ) {}

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /**
   * Server time of this log's first event (seq 1). A case started again after a server restart gets
   * a new log whose seq starts over: a follower tells the runs apart by this.
   */
  get firstTs(): number | null {
    return this.first;
  }

  /** Observers that see every event synchronously (archive, alert feed, metrics). */
  tap(listener: (event: ServerEvent) => void): void {
    this.taps.push(listener);
  }

  emit(body: EventBody): ServerEvent | null {
    const event = { ...body, seq: this.nextSeq, case_id: this.caseId, ts: this.now() } as ServerEvent;
    if (this.persist) {
      try {
        this.persist(event);
      } catch {
        return null;
      }
    }
    this.nextSeq++;
    this.first ??= event.ts;
    this.buffer.push(event);
    if (this.buffer.length > this.capacity) this.buffer.shift();
    for (const tap of this.taps) tap(event);
    for (const subscriber of this.subscribers) subscriber.deliver(event);
    return event;
  }

  /**
   * Continues a run another node started (it died or drained): these events, as the bus kept them,
   * become this log's past, and its next event follows the last of them.
   */
  restore(events: readonly ServerEvent[]): void {
    const last = events.at(-1);
    if (!last) return;
    this.first = events[0]?.ts ?? null;
    this.buffer.splice(0, this.buffer.length, ...events.slice(-this.capacity));
    this.nextSeq = last.seq + 1;
  }

  /**
   * An event numbered by the node that holds the call (this log mirrors it). One seen before is
   * dropped; a seq 1 after later ones is a new run of the case and starts the log over.
   */
  relay(event: ServerEvent): void {
    if (event.seq === 1 && this.lastSeq > 0) {
      this.buffer.length = 0;
      this.first = null;
    } else if (event.seq <= this.lastSeq) return;
    this.nextSeq = event.seq + 1;
    this.first ??= event.ts;
    this.buffer.push(event);
    if (this.buffer.length > this.capacity) this.buffer.shift();
    for (const tap of this.taps) tap(event);
    for (const subscriber of this.subscribers) subscriber.deliver(event);
  }

  /** Hands every subscriber to `next` (the call now runs on this node), which sends what they lack. */
  moveSubscribersTo(next: CallEventLog): void {
    for (const subscriber of this.subscribers) next.subscribe(subscriber, this.lastSeq);
    this.subscribers.clear();
  }

  /**
   * Adds a subscriber after replaying what it missed. Returns false when events after `afterSeq`
   * are no longer buffered (the caller should say `resume_expired`).
   */
  subscribe(subscriber: EventSubscriber, afterSeq = 0): boolean {
    const oldest = this.buffer[0]?.seq ?? this.nextSeq;
    if (afterSeq + 1 < oldest) return false;
    for (const event of this.buffer) if (event.seq > afterSeq) subscriber.deliver(event);
    this.subscribers.add(subscriber);
    return true;
  }

  unsubscribe(subscriber: EventSubscriber): void {
    this.subscribers.delete(subscriber);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }
}
