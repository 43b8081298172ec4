import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { ServerEvent } from '../protocol/index.js';
import { ClientQueue } from './client-queue.js';

/** A socket whose send buffer we control, to simulate a congested desktop. */
function congestedSocket() {
  const sent: ServerEvent[] = [];
  const socket = {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: 1_000_000,
    send: (data: string) => sent.push(JSON.parse(data) as ServerEvent),
    close: () => {
      socket.readyState = 3;
    },
  };
  return { socket, sent };
}

let seq = 0;
const partial = (utterance: string, rev: number): ServerEvent => ({
  type: 'partial',
  utterance_id: utterance,
  rev,
  text: `t${rev}`,
  confidence: null,
  speaker: 'caller',
  channel: 0,
  seq: ++seq,
  case_id: 'c',
  ts: 0,
});
const final = (utterance: string): ServerEvent => ({
  type: 'final',
  utterance_id: utterance,
  text: 'x',
  corrected_text: 'x',
  edits: [],
  start_ms: 0,
  end_ms: 1,
  speaker: 'caller',
  channel: 0,
  seq: ++seq,
  case_id: 'c',
  ts: 0,
});

describe('ClientQueue under a slow client', () => {
  it('coalesces waiting partials (newest wins) and never drops finals', async () => {
    const { socket, sent } = congestedSocket();
    const queue = new ClientQueue(socket as unknown as WebSocket, { highWaterBytes: 1000 });
    for (let rev = 1; rev <= 50; rev++) queue.deliver(partial('u1', rev));
    queue.deliver(final('u1'));
    for (let rev = 1; rev <= 5; rev++) queue.deliver(partial('u2', rev));
    expect(sent).toHaveLength(0);
    socket.bufferedAmount = 0;
    await queue.drained();
    expect(sent.map((e) => e.type)).toEqual(['partial', 'final', 'partial']);
    expect(sent[0]).toMatchObject({ utterance_id: 'u1', rev: 50 });
    expect(sent[2]).toMatchObject({ utterance_id: 'u2', rev: 5 });
    expect(queue.coalesced).toBe(53);
    queue.close();
  });

  it('disconnects a client that stays stuck instead of buffering without bound', () => {
    const { socket } = congestedSocket();
    const queue = new ClientQueue(socket as unknown as WebSocket, {
      highWaterBytes: 1000,
      maxQueuedEvents: 10,
    });
    for (let i = 0; i < 12; i++) queue.deliver(final(`u${i}`));
    expect(socket.readyState).toBe(3);
  });
});
