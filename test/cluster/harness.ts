/** What the cluster tests share: service checks, a recording WebSocket client, call audio, polling. */
import { existsSync, readFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { join } from 'node:path';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { readWav } from '../../src/audio/index.js';
import { audioManifest, sharedPaths } from '../shared.js';

const reachable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connectTcp(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
export const [natsUp, pgUp] = await Promise.all([reachable(4222), reachable(5432)]);
export const hasVad =
  existsSync(sharedPaths.vadModel) && existsSync(join(sharedPaths.audioDir, 'manifest.tsv'));

export interface Event {
  type: string;
  seq: number;
  case_id: string | null;
  reason?: string;
  code?: string;
  resumed?: boolean;
  kb?: string;
}

/** A WebSocket that records every event it is sent. */
export async function open(url: string): Promise<{ ws: WebSocket; events: Event[]; closed: Promise<void> }> {
  const ws = new WebSocket(url);
  const events: Event[] = [];
  ws.on('message', (data, isBinary) => {
    if (!isBinary) events.push(JSON.parse(data.toString()) as Event);
  });
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, events, closed };
}

export async function until<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Real recordings with silence between them, so the VAD cuts several utterances. */
export function callAudio(): Buffer {
  const gap = Buffer.alloc(16_000 * 2);
  const parts: Buffer[] = [gap];
  for (const row of audioManifest()
    .filter((r) => r.sampleRate === 16_000 && r.durationS >= 1.5 && r.durationS <= 5)
    .slice(0, 4)) {
    const pcm = readWav(readFileSync(row.path)).channels[0] as Int16Array;
    parts.push(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength), gap);
  }
  return Buffer.concat(parts);
}

/** Sends 100 ms frames at about 4× real time, from `offset`, until `stop` says so. */
export async function stream(
  ws: WebSocket,
  audio: Buffer,
  from: number,
  stop: () => boolean,
): Promise<number> {
  let offset = from;
  for (; offset < audio.length && !stop() && ws.readyState === ws.OPEN; offset += 3200) {
    ws.send(audio.subarray(offset, offset + 3200));
    await new Promise((r) => setTimeout(r, 25));
  }
  return offset;
}

/** The seqs of a stream are 1, 2, 3… with nothing missing or repeated. */
export function expectGapFree(events: Event[]): void {
  const seqs = events.filter((e) => e.seq > 0).map((e) => e.seq);
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
}
