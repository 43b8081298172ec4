/**
 * Fail closed on storage errors, on a real full disk: the data dir on a small tmpfs, filled up
 * mid-call. The stream is told (`storage_unavailable`, fatal) and nothing is acknowledged that is
 * not on disk; `/readyz` turns 503; uploads get 503 with a stable code; new calls are refused; and
 * all of it recovers once space is back. Mounting needs root (CI runs as root); elsewhere the test
 * says why it skipped, and src/cases/storage-failure.test.ts covers the same paths with an
 * ENOSPC-injecting blob store.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav } from '../../src/audio/index.js';
import { toneWav } from '../../src/cases/testing/fixtures.js';
import {
  bootApp,
  eventually,
  hasVad,
  sleep,
  speechPcm,
  start,
  storeBackends,
  type TestApp,
} from './harness.js';

// Room for the caches a start writes into the data dir (converted dictionary, urgency weights) before it fills up.
const SIZE_MB = 40;

/** Mounts a tmpfs of `SIZE_MB`; null (with the reason printed) where that is not possible. */
function mountTmpfs(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-tmpfs-'));
  const run = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE_MB}m`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  if (run.status === 0) return dir;
  console.warn(
    `[security] full-disk test skipped: cannot mount a tmpfs here (${(run.stderr || run.error?.message || '').trim()}); needs root`,
  );
  return null;
}

/** Fills the file system holding `dir` to the last byte; returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, 'filler.bin');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  // Then the last partial block.
  try {
    for (;;) writeSync(fd, Buffer.alloc(512, 1));
  } catch {
    // full
  }
  closeSync(fd);
  return path;
}

describe.each(storeBackends())('fail closed on a full disk ($name)', (backend) => {
  let mount: string | null = null;
  let t: TestApp | undefined;
  beforeAll(() => {
    mount = hasVad ? mountTmpfs() : null;
    if (!hasVad) console.warn('[security] full-disk test skipped: needs the shared Silero VAD model');
  });
  afterAll(async () => {
    await t?.close().catch(() => undefined);
    if (mount) {
      spawnSync('umount', ['-l', mount]);
      rmSync(mount, { recursive: true, force: true });
    }
  });

  it('tells the client, acknowledges nothing undurable, turns /readyz red, and recovers', async (ctx) => {
    if (!mount) return ctx.skip();
    const dataDir = join(mount, 'data');
    t = await bootApp(backend, {}, { dataDir });
    const agent = await t.token('agent', 'amy');
    const supervisor = await t.token('supervisor', 'sue');
    expect((await t.api('GET', '/readyz', null)).status).toBe(200);

    // A first utterance is acknowledged normally.
    const call = await t.stream(agent);
    call.send(start('full-disk-1'));
    await call.nextOfType('started');
    const speech = speechPcm(3);
    const acked: number[] = [];
    call.socket.on('message', (data) => {
      const e = JSON.parse(String(data)) as { type: string; end_ms?: number };
      if (e.type === 'speech_end') acked.push(e.end_ms ?? 0);
    });
    let offset = 0;
    while (acked.length < 1 && offset < speech.length) {
      call.sendAudio(speech.subarray(offset, offset + 3200));
      offset += 3200;
      // 10× real time: a speech_end comes once its audio is committed, a little after its frame,
      // and the rest of the speech is needed below.
      await sleep(10);
    }
    expect(acked.length).toBe(1);

    // The disk fills up under the live call.
    const filler = fill(mount);
    for (
      ;
      offset < speech.length && !call.ofType('error').some((e) => e.code === 'storage_unavailable');
      offset += 3200
    ) {
      call.sendAudio(speech.subarray(offset, offset + 3200));
      await sleep(2);
    }
    const failure = await call.next(
      (e) => e.type === 'error' && (e as { code: string }).code === 'storage_unavailable',
    );
    expect(failure).toMatchObject({ fatal: true });
    await call.closed();
    // Nothing after the failure was acknowledged, and every acknowledged utterance's audio is on disk.
    expect(call.events.findIndex((e) => e === failure)).toBe(call.events.length - 1);
    const folder = join(dataDir, 'audio', 'cases', 'full-disk-1');
    const covered = readdirSync(folder)
      .filter((f) => /^call-\d+(-[0-9a-f]+)?\.wav$/.test(f))
      .reduce((ms, f) => ms + readWav(readFileSync(join(folder, f))).durationMs, 0);
    for (const end of acked) expect(covered).toBeGreaterThanOrEqual(end);

    // Ready no more; clients get a stable code, not `internal`.
    const ready = await t.api<{ status: string; checks: { store: boolean } }>('GET', '/readyz', null);
    expect(ready.status).toBe(503);
    expect(ready.json.checks.store).toBe(false);
    const upload = await t.api<{ error: { code: string } }>('POST', '/api/case/record', agent, {
      case_id: 'full-disk-upload',
      revision: 1,
      transcript: [],
      audio: [{ segment_id: 'up-1', format: 'wav', data: Buffer.from(toneWav(2000)).toString('base64') }],
    });
    expect(upload.status).toBe(503);
    expect(upload.json.error.code).toBe('storage_unavailable');
    const refused = await t.stream(agent);
    refused.send(start('full-disk-2'));
    expect(await refused.nextOfType('error')).toMatchObject({ code: 'storage_unavailable', seq: 0 });
    await refused.close();

    // Space is back: ready again within a probe or two, and calls work.
    rmSync(filler);
    expect(await eventually(async () => (await t?.api('GET', '/readyz', null))?.status === 200, 10_000)).toBe(
      true,
    );
    const again = await t.stream(agent);
    again.send(start('full-disk-3'));
    await again.nextOfType('started');
    again.send({ type: 'end' });
    await again.nextOfType('closed');
    const view = await t.api<{ status: string }>('GET', '/api/case/full-disk-3', supervisor);
    expect(view.json.status).toBe('ended');
  });
});
