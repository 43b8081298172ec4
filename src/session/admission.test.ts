import { describe, expect, it } from 'vitest';
import { CallAdmission } from './admission.js';

describe('CallAdmission', () => {
  it('lets queued starts run in order, one per turn of the event loop, with I/O and timers between', async () => {
    const admission = new CallAdmission();
    const order: string[] = [];
    // A live call's work, queued as the loop would queue its next frame.
    let loopTurns = 0;
    const live = () => {
      loopTurns++;
      order.push(`loop${loopTurns}`);
      if (loopTurns < 4) setImmediate(live);
    };
    setImmediate(live);
    const starts = [1, 2, 3].map((n) =>
      admission.turn().then(() => {
        order.push(`start${n}`);
      }),
    );
    expect(admission.queued).toBe(3);
    await Promise.all(starts);
    // Never two starts back to back: the live call's turn comes between each.
    const startsAt = order.flatMap((step, i) => (step.startsWith('start') ? [i] : []));
    expect(order.filter((s) => s.startsWith('start'))).toEqual(['start1', 'start2', 'start3']);
    for (let i = 1; i < startsAt.length; i++) expect(startsAt[i]! - startsAt[i - 1]!).toBeGreaterThan(1);
    expect(admission.queued).toBe(0);
  });

  it('admits a start that comes after the queue emptied', async () => {
    const admission = new CallAdmission();
    await admission.turn();
    await expect(admission.turn()).resolves.toBeUndefined();
  });
});
