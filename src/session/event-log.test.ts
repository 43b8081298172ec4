import { describe, expect, it } from 'vitest';
import type { ServerEvent } from '../protocol/index.js';
import { CallEventLog } from './event-log.js';

/** Events of a call as another node numbered them (what a mirror relays). */
const heldElsewhere = (seq: number): ServerEvent =>
  ({
    type: 'speech_start',
    utterance_id: `u${seq}`,
    speaker: 'caller',
    channel: 0,
    start_ms: 0,
    seq,
    case_id: 'c1',
    ts: seq,
  }) as ServerEvent;

describe('a mirrored call log (events relayed from the node holding the call)', () => {
  it('counts what it relayed, delivers each seq once, and hands followers on without repeats', () => {
    const mirror = new CallEventLog('c1', 100);
    const seen: number[] = [];
    mirror.subscribe({ deliver: (e) => seen.push(e.seq) });
    for (const seq of [1, 2, 2, 3, 2]) mirror.relay(heldElsewhere(seq));
    expect(seen).toEqual([1, 2, 3]);
    expect(mirror.lastSeq).toBe(3);

    // The call moves to this node: its own log continues after the mirrored events.
    const local = new CallEventLog('c1', 100);
    local.restore([1, 2, 3].map(heldElsewhere));
    mirror.moveSubscribersTo(local);
    local.emit({ type: 'closed', reason: 'end' });
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('continues after the last seq a resuming client saw, when the events before it never reached the bus', () => {
    // The bus kept seq 1–3; the client also got 4 and 5 before the node died.
    const local = new CallEventLog('c1', 100);
    local.restore([1, 2, 3].map(heldElsewhere));
    local.continueAfter(5);
    const client: ServerEvent[] = [];
    local.emit({ type: 'closed', reason: 'end' });
    expect(local.subscribe({ deliver: (e) => client.push(e) }, 5)).toBe(true);
    expect(client.map((e) => [e.seq, e.type])).toEqual([[6, 'closed']]);
    // A client behind the bus changes nothing.
    local.continueAfter(2);
    expect(local.emit({ type: 'closed', reason: 'end' })?.seq).toBe(7);
  });
});
