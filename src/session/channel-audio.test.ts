import { describe, expect, it } from 'vitest';
import { ChannelAudio } from './channel-audio.js';

/** Deterministic pseudo-random sizes, so a failure replays. */
function sizes(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
}

describe("a channel's recent audio", () => {
  it('cuts any span exactly as received, across frames, drops, long holds and frames over the limit', () => {
    const random = sizes(7);
    for (let run = 0; run < 40; run++) {
      const max = 500 + random(30_000);
      const audio = new ChannelAudio(max);
      const received: number[] = [];
      let droppedTo = 0;
      for (let step = 0; step < 200; step++) {
        const op = random(10);
        if (op < 6) {
          // Mostly frames; now and then one larger than everything kept (a 1 s frame, a stall).
          const frame = Int16Array.from(
            { length: random(op === 0 ? 40_000 : 2_000) },
            (_, i) => ((received.length + i) % 60_000) - 30_000,
          );
          audio.push(frame);
          received.push(...frame);
        } else if (op < 8) {
          const to = random(received.length + 1);
          audio.dropBefore(to);
          droppedTo = Math.max(droppedTo, to);
        }
        // What the pipeline may still ask for: from the VAD's keep point (and the limit) on.
        const first = Math.max(droppedTo, received.length - max);
        const from = first + random(received.length - first + 10);
        const to = from + random(20_000);
        const expected = received.slice(from, Math.max(from, Math.min(to, received.length)));
        expect(audio.end).toBe(received.length);
        expect(Array.from(audio.slice(from, to))).toEqual(expected);
      }
    }
  });
});
