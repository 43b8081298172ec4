import type { EventBody, ServerEvent } from '../protocol/index.js';

/** Someone following a call: the caller's own socket, a desktop, the supervisor view. */
export interface EventSubscriber {
  deliver(event: ServerEvent): void;
}

/**
 * Makes an event durable before anyone sees it (the archive). Throwing refuses the event at once;
 * a returned promise holds the event (and every later one, in order) back until it settles.
 */
export type PersistEvent = (event: ServerEvent) => PromiseLike<void> | void;

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
  /** Events with a seq, waiting for their write (group-committed) before anyone sees them. */
  private undelivered: ServerEvent[] = [];
  private delivery: Promise<void> = Promise.resolve();
  /** Bumped when undelivered events are dropped: their pending deliveries then do nothing. */
  private generation = 0;
  private published = 0;

  constructor(
    readonly caseId: string,
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
    /**
     * When it throws, the event is not emitted at all (no seq is used) and emit returns null; when
     * its promise rejects, the event and those after it are never delivered (`onPersistFailed`):
     * nothing is acknowledged that is not stored.
     */
    private readonly persist: PersistEvent | null = null,
    private readonly onPersistFailed: (err: unknown) => void = () => {},
  ) {}

  /** The last seq anyone has seen (events still waiting for their write are not counted). */
  get lastSeq(): number {
    return this.published;
  }

  /**
   * Server time of this log's first event (seq 1). A case started again after a server restart gets
   * a new log whose seq starts over: a follower tells the runs apart by this.
   */
  get firstTs(): number | null {
    return this.first;
  }

  /** Observers that see every event as it is delivered, before subscribers (alert feed, metrics). */
  tap(listener: (event: ServerEvent) => void): void {
    this.taps.push(listener);
  }

  /**
   * Sequences the event and hands it to `persist`; it reaches taps and subscribers once durable,
   * after every earlier event. Null when persist refused it outright.
   */
  emit(body: EventBody): ServerEvent | null {
    const event = { ...body, seq: this.nextSeq, case_id: this.caseId, ts: this.now() } as ServerEvent;
    let durable: PromiseLike<void> | void;
    try {
      durable = this.persist?.(event);
    } catch {
      return null;
    }
    this.nextSeq++;
    if (!durable && this.undelivered.length === 0) {
      this.publish(event);
      return event;
    }
    this.undelivered.push(event);
    const generation = this.generation;
    // Settled at once, so a rejection is handled even while earlier events are still waiting.
    const outcome = Promise.resolve(durable).then(
      () => null,
      (err: unknown) => err ?? new Error('persist failed'),
    );
    this.delivery = this.delivery
      .then(() => outcome)
      .then((err) => {
        if (generation !== this.generation) return;
        if (err) {
          this.dropUndelivered();
          this.onPersistFailed(err);
          return;
        }
        this.undelivered.shift();
        this.publish(event);
      });
    return event;
  }

  /**
   * Storage failed: events still waiting for their write are never delivered, and their seqs are
   * given to what comes next (the failure itself), so the stream stays gap-free.
   */
  dropUndelivered(): void {
    const [oldest] = this.undelivered;
    if (!oldest) return;
    this.nextSeq = oldest.seq;
    this.undelivered = [];
    this.generation++;
  }

  /** Resolves once every event emitted so far is delivered (or dropped). */
  settled(): Promise<void> {
    return this.delivery;
  }

  private publish(event: ServerEvent): void {
    this.published = event.seq;
    this.first ??= event.ts;
    this.buffer.push(event);
    if (this.buffer.length > this.capacity) this.buffer.shift();
    for (const tap of this.taps) tap(event);
    for (const subscriber of this.subscribers) subscriber.deliver(event);
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
   * A client resuming a call whose node died saw events up to `seq` that never reached the bus
   * (in flight at the kill): what comes next is numbered after them, or the client, skipping what
   * it believes it has, would miss the call's `started` and everything up to its last seq.
   */
  continueAfter(seq: number): void {
    if (seq >= this.nextSeq) this.nextSeq = seq + 1;
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
    this.publish(event);
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
    const oldest = this.buffer[0]?.seq ?? this.undelivered[0]?.seq ?? this.nextSeq;
    if (afterSeq + 1 < oldest) return false;
    for (const event of this.buffer) if (event.seq > afterSeq) subscriber.deliver(event);
    this.subscribers.add(subscriber);
    return true;
  }

  unsubscribe(subscriber: EventSubscriber): void {
    this.subscribers.delete(subscriber);
  }
}
