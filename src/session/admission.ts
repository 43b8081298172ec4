/**
 * Call starts take turns, one per turn of the event loop. A start is a run of synchronous work
 * (its case number, row and audit entries on the embedded SQLite, its session, pipeline and
 * journals) that otherwise chains through one microtask drain: 200 calls arriving in the same
 * second then held the loop — every live call's frames and events — for 170–270 ms
 * (`bench:stream` burst). Between two turns the loop handles I/O and timers, so a burst only
 * spreads the starts out (about a millisecond each), it stalls nothing.
 */
export class CallAdmission {
  private readonly waiting: Array<() => void> = [];
  private pumping = false;

  /** Resolves when this start may run: after the starts queued before it, each in its own turn. */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.pumping) {
        this.pumping = true;
        setImmediate(this.next);
      }
    });
  }

  /** Queued starts, for tests and metrics. */
  get queued(): number {
    return this.waiting.length;
  }

  private readonly next = (): void => {
    this.waiting.shift()?.();
    // An immediate queued from inside one runs in the loop's next turn, after its I/O poll.
    if (this.waiting.length > 0) setImmediate(this.next);
    else this.pumping = false;
  };
}
