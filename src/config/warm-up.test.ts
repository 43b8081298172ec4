import { describe, expect, it } from 'vitest';
import { startWarmUp, warmUpLater } from './warm-up.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('warm-up work', () => {
  it('waits for the server to be up, then runs one task per turn of the event loop, later ones too', async () => {
    const ran: string[] = [];
    warmUpLater(() => ran.push('converter'));
    warmUpLater(() => ran.push('dictionary'));
    await turn();
    await turn();
    expect(ran).toEqual([]); // a start (or a CLI command) never waits for them
    startWarmUp();
    await turn();
    expect(ran).toEqual(['converter']);
    await turn();
    expect(ran).toEqual(['converter', 'dictionary']);
    warmUpLater(() => ran.push('cache'));
    await turn();
    expect(ran).toEqual(['converter', 'dictionary', 'cache']);
  });
});
