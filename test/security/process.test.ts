/**
 * The server as a process: SIGKILL loses at most a second of received audio; files with no row
 * are found and handled at start; SIGTERM drains (whether started by `npm start` or by node):
 * clients get `closed` with `server_shutdown` and the case is closed in the archive; a second
 * server on the same data dir refuses with one clear line and leaves the first one's calls alone.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import WebSocket from 'ws';
import { toneWav } from '../../src/cases/testing/fixtures.js';
import { api, freePort, startServer, type ServerProcess } from '../crash/server.js';
import { repoRoot } from '../shared.js';
import { ADMIN, sleep, start, storeBackends, tonePcm } from './harness.js';

/** Each test boots the real server two or three times (about 10 s each on a loaded 2-core machine). */
const PROCESS_TEST_MS = 180_000;

interface Event {
  type: string;
  seq: number;
  code?: string;
  reason?: string;
}

/** A raw stream connection that records every event. */
async function connect(
  url: string,
  token: string,
): Promise<{ ws: WebSocket; events: Event[]; closed: Promise<void> }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/stream/asr?token=${token}`);
  const events: Event[] = [];
  ws.on('message', (data) => events.push(JSON.parse(String(data)) as Event));
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, events, closed };
}
const waitFor = async (events: Event[], type: string, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const found = events.find((e) => e.type === type);
    if (found) return found;
    await sleep(20);
  }
  throw new Error(`no ${type} in ${JSON.stringify(events.map((e) => e.type))}`);
};

/** A live call on the server at `url`: `start` sent and `started` received. */
async function liveCall(url: string, token: string, caseId: string) {
  const call = await connect(url, token);
  call.ws.send(JSON.stringify(start(caseId)));
  await waitFor(call.events, 'started');
  return call;
}

describe.each(storeBackends())('the server process on $name', (backend) => {
  const servers: ServerProcess[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop();
  });
  const env = async (dataDir = mkdtempSync(join(tmpdir(), `hotline-proc-${backend.name}-`))) => {
    const { dbUrl } = await backend.options();
    return {
      HOTLINE_DATA_DIR: dataDir,
      HOTLINE_ADMIN_TOKEN: ADMIN,
      HOTLINE_RATE_LIMIT_PER_MINUTE: '100000',
      HOTLINE_WEB_DIR: join(dataDir, 'no-web'),
      ...(dbUrl ? { HOTLINE_DB_URL: dbUrl } : {}),
    };
  };
  const boot = async (vars: Record<string, string>) => {
    const server = await startServer(vars);
    servers.push(server);
    return server;
  };
  const token = async (server: ServerProcess, role: string) =>
    (
      await api<{ token: string }>(`${server.url}/api/tokens`, ADMIN, 'POST', {
        name: `${role}-${Date.now()}`,
        role,
      })
    ).json.token;
  const supervisorView = async (server: ServerProcess, caseId: string) => {
    const sup = await token(server, 'supervisor');
    return api<{
      status: string;
      end_reason: string | null;
      audio: Array<{ segment_id: string; kind: string; start_ms: number; end_ms: number }>;
    }>(`${server.url}/api/case/${caseId}`, sup);
  };

  /** The case row as the server left it on disk (no server needed to read it). */
  const caseRow = async (vars: Record<string, string>, id: string) => {
    const store = await openStore({
      dbUrl: vars.HOTLINE_DB_URL,
      sqliteFile: join(vars.HOTLINE_DATA_DIR as string, 'hotline.db'),
    });
    try {
      return (
        await sql<{
          status: string;
          end_reason: string | null;
        }>`select status, end_reason from cases where id = ${id}`.execute(store.db)
      ).rows[0];
    } finally {
      await store.close();
    }
  };

  it(
    'SIGKILL mid-call loses at most a second of received audio; a second server on the data dir refuses and leaves live calls alone',
    async () => {
      const vars = await env();
      let server = await boot(vars);
      const pbx = await token(server, 'ingress');
      const call = await liveCall(server.url, pbx, 'kill-audio-1');
      // 12.3 s of steady sound (no utterance ends, less than a 30 s chunk): only the audio journal has it.
      const sent = tonePcm(12_300);
      for (let i = 0; i < sent.length; i += 3200) {
        call.ws.send(sent.subarray(i, i + 3200));
        if (i % 64_000 === 0) await sleep(5);
      }
      // Frames are handled in order: once a ping sent after them is answered, the server has them all.
      await new Promise<void>((resolve) => {
        call.ws.once('pong', () => resolve());
        call.ws.ping();
      });
      await sleep(200);
      await server.kill9();
      servers.pop();
      call.ws.terminate();

      server = await boot(vars);
      const view = await supervisorView(server, 'kill-audio-1');
      expect(view.json.status).toBe('interrupted');
      const chunks = view.json.audio.filter((a) => a.kind === 'call');
      const kept = chunks.reduce((ms, c) => ms + (c.end_ms - c.start_ms), 0);
      console.log(`[security] SIGKILL after 12300 ms of audio: ${kept} ms recovered from the audio journal`);
      expect(kept).toBeGreaterThanOrEqual(12_300 - 1_000);
      expect(kept).toBeLessThanOrEqual(12_300);

      // One process per data dir: a second server refuses in one line, the first one's call goes on.
      const agent = await token(server, 'agent');
      const live = await liveCall(server.url, agent, 'locked-1');
      live.ws.send(tonePcm(1_500));
      const journal = join(vars.HOTLINE_DATA_DIR, 'journal');
      await sleep(100);
      const before = readdirSync(journal).sort();
      expect(before.length).toBeGreaterThan(0);
      const second = spawn(
        process.execPath,
        ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'serve'],
        {
          cwd: repoRoot,
          env: { ...process.env, ...vars, HOTLINE_PORT: String(await freePort()), HOTLINE_LOG_LEVEL: 'info' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      second.stdout.on('data', (d: Buffer) => (output += d.toString()));
      second.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const code = await new Promise<number | null>((resolve) => second.once('exit', (c) => resolve(c)));
      expect(code).toBe(1);
      const lines = output.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^hotline-assist: \[data_dir_in_use\] data directory .* is in use by another Hotline Assist server \(pid \d+/,
      );
      expect(readdirSync(journal).sort()).toEqual(before);
      live.ws.send(JSON.stringify({ type: 'end' }));
      expect(await waitFor(live.events, 'closed')).toMatchObject({ reason: 'end' });
      expect((await supervisorView(server, 'locked-1')).json.status).toBe('ended');
    },
    PROCESS_TEST_MS,
  );

  it(
    'SIGTERM to node drains (closed/server_shutdown, case ended); files with no row are handled at the next start',
    async () => {
      const vars = await env();
      let server = await boot(vars);
      const agent = await token(server, 'agent');
      expect(
        (
          await api(`${server.url}/api/case/record`, agent, 'POST', {
            case_id: 'has-orphan',
            revision: 1,
            transcript: [],
          })
        ).status,
      ).toBe(201);
      const call = await liveCall(server.url, agent, 'term-node-1');
      call.ws.send(tonePcm(800));
      await sleep(100);
      server.child.kill('SIGTERM');
      expect(await waitFor(call.events, 'closed')).toMatchObject({ reason: 'server_shutdown' });
      await call.closed;
      await server.stop();
      servers.pop();
      expect(server.child.exitCode).toBe(0);
      expect(await caseRow(vars, 'term-node-1')).toEqual({ status: 'ended', end_reason: 'server_shutdown' });

      // A kill between file and row (or a database that lost rows) leaves files no row refers to.
      const cases = join(vars.HOTLINE_DATA_DIR, 'audio', 'cases');
      mkdirSync(join(cases, 'has-orphan'), { recursive: true });
      writeFileSync(join(cases, 'has-orphan', 'lost-u7.wav'), toneWav(700));
      mkdirSync(join(cases, 'gone-case'), { recursive: true });
      writeFileSync(join(cases, 'gone-case', 'call-0000.wav'), toneWav(300));
      server = await boot(vars);
      const view = await supervisorView(server, 'has-orphan');
      expect(view.json.audio).toMatchObject([
        { segment_id: 'lost-u7', kind: 'recovered', start_ms: 0, end_ms: 700 },
      ]);
      expect(existsSync(join(cases, 'gone-case'))).toBe(false);
      const entries = await api<{ entries: Array<{ action: string; targetId: string }> }>(
        `${server.url}/api/audit?target_type=case_folder`,
        ADMIN,
      );
      expect(entries.json.entries).toMatchObject([
        { action: 'storage.orphans_deleted', targetId: 'gone-case' },
      ]);
      const adopted = await api<{ entries: Array<{ action: string; targetId: string }> }>(
        `${server.url}/api/audit?action=storage.orphans_adopted`,
        ADMIN,
      );
      expect(adopted.json.entries).toMatchObject([{ targetId: 'has-orphan' }]);
    },
    PROCESS_TEST_MS,
  );

  it.runIf(backend.name === 'sqlite')(
    'SIGTERM to the `npm start` process group drains the same way',
    async () => {
      const vars = await env();
      const port = await freePort();
      const child = spawn('npm', ['start', '--ignore-scripts', '--silent'], {
        cwd: repoRoot,
        env: {
          ...process.env,
          ...vars,
          HOTLINE_PORT: String(port),
          HOTLINE_HOST: '127.0.0.1',
          HOTLINE_LOG_LEVEL: 'warn',
        },
        detached: true,
        stdio: 'ignore',
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const url = `http://127.0.0.1:${port}`;
      try {
        for (let i = 0; i < 600 && !(await fetch(`${url}/healthz`).catch(() => null))?.ok; i++)
          await sleep(100);
        const agent = (
          await api<{ token: string }>(`${url}/api/tokens`, ADMIN, 'POST', { name: 'amy', role: 'agent' })
        ).json.token;
        const call = await liveCall(url, agent, 'term-npm-1');
        call.ws.send(tonePcm(800));
        await sleep(100);
        // What a terminal's Ctrl-C or a process supervisor does: the whole group gets the signal
        // (npm and tsx relay it again to the server).
        process.kill(-(child.pid as number), 'SIGTERM');
        // It arrives more than once anyway (npm forwards it, tsx relays it); an impatient operator repeats it.
        await sleep(50);
        process.kill(-(child.pid as number), 'SIGTERM');
        expect(await waitFor(call.events, 'closed')).toMatchObject({ reason: 'server_shutdown' });
        await exited;
        // The server itself (npm's grandchild) is gone too: the data dir is free again.
        for (let i = 0; i < 100 && existsSync(join(vars.HOTLINE_DATA_DIR, 'hotline.lock.holder')); i++)
          await sleep(100);
      } finally {
        try {
          process.kill(-(child.pid as number), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      expect(await caseRow(vars, 'term-npm-1')).toEqual({ status: 'ended', end_reason: 'server_shutdown' });
    },
    PROCESS_TEST_MS,
  );
});
