/**
 * Several real server processes as one cluster: NATS (JetStream) at 127.0.0.1:4222 and one
 * PostgreSQL database. Each node has its own data dir; calls, claims and KB versions are shared.
 */
import { mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PG_URL } from '../../src/store/testing/backends.js';
import { sharedPaths, repoRoot } from '../shared.js';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  api,
  freePort,
  launchServer,
  startServer,
  withoutHotlineSettings,
  type ServerProcess,
} from '../crash/server.js';
import { callAudio, expectGapFree, hasVad, natsUp, open, pgUp, stream, until } from './harness.js';

const ADMIN = 'cluster-test-admin-token-0123456789abcdef';

if (!natsUp || !pgUp || !hasVad)
  console.warn('[cluster] skipped: needs NATS on 4222, PostgreSQL on 5432 and the shared VAD model');

describe.skipIf(!natsUp || !pgUp || !hasVad)('cluster: nodes on NATS and PostgreSQL', () => {
  const database = `hotline_cluster_${randomBytes(4).toString('hex')}`;
  const prefix = `hc${randomBytes(4).toString('hex')}`;
  const nodes: ServerProcess[] = [];
  let ingress = '';
  let supervisor = '';
  const audio = hasVad ? callAudio() : Buffer.alloc(0);

  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  const settings = (name: string) => ({
    HOTLINE_DATA_DIR: mkdtempSync(join(tmpdir(), `hotline-cluster-${name}-`)),
    HOTLINE_DB_URL: TEST_PG_URL.replace(/\/[^/]*$/, `/${database}`),
    HOTLINE_BUS_URL: 'nats://127.0.0.1:4222',
    HOTLINE_BUS_PREFIX: prefix,
    HOTLINE_NODE_ID: name,
    HOTLINE_CASE_LEASE_MS: '2000',
    HOTLINE_ADMIN_TOKEN: ADMIN,
    HOTLINE_AUDIT_KEY: 'cluster-test-audit-key-0123456789abcdef0123456789',
    HOTLINE_VAD_MODEL: sharedPaths.vadModel,
  });
  /** Each node's settings: a node started again keeps its data dir (its journals) and its id. */
  const nodeSettings = new Map<string, ReturnType<typeof settings>>();
  const node = async (name: string) => {
    const env = nodeSettings.get(name) ?? settings(name);
    nodeSettings.set(name, env);
    // Several servers loading the VAD at once on a shared CI machine start slowly.
    const server = await startServer(env, undefined, 150_000);
    nodes.push(server);
    return server;
  };
  const wsUrl = (server: ServerProcess, path: string, token: string) =>
    `ws://127.0.0.1:${server.port}${path}${path.includes('?') ? '&' : '?'}token=${token}`;
  const asrRoles = async (server: ServerProcess) =>
    Object.fromEntries(
      (
        await api<{ versions: Array<{ version: string; role: string }> }>(
          `${server.url}/api/models/asr`,
          ADMIN,
        )
      ).json.versions.map((v) => [v.version, v.role]),
    );
  const start = (caseId: string) =>
    JSON.stringify({ type: 'start', case_id: caseId, format: 'pcm_s16le', sample_rate: 16000, channels: 1 });

  // An OpenAI-compatible transcription server that hears nothing (for the ASR versions test).
  const transcriber = {
    url: '',
    server: createServer((req, res) => {
      req.resume();
      req.on('end', () => res.setHeader('content-type', 'application/json').end('{"text":""}'));
    }),
  };

  beforeAll(async () => {
    await new Promise<void>((resolve) => transcriber.server.listen(0, '127.0.0.1', resolve));
    transcriber.url = `http://127.0.0.1:${(transcriber.server.address() as AddressInfo).port}/v1`;
    await admin.connect();
    await admin.query(`create database ${database}`);
    const a = await node('a');
    await node('b');
    const token = async (role: string) =>
      (await api<{ token: string }>(`${a.url}/api/tokens`, ADMIN, 'POST', { name: role, role })).json.token;
    ingress = await token('ingress');
    supervisor = await token('supervisor');
  }, 180_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    transcriber.server.close();
    await admin.query(`drop database if exists ${database} with (force)`).catch(() => undefined);
    await admin.end();
  }, 120_000);

  it('a call streamed into node A is followed live on node B, in order and gap-free', async () => {
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    const caller = await open(wsUrl(a, '/api/stream/asr', ingress));
    caller.ws.send(start('follow-1'));
    await until('the call on node B', async () => {
      const list = await api<{ calls: Array<{ case_id: string }> }>(`${b.url}/api/calls`, supervisor);
      return list.json.calls.some((c) => c.case_id === 'follow-1');
    });
    const follower = await open(wsUrl(b, '/api/calls/follow-1/events?last_seq=0', supervisor));
    await stream(caller.ws, audio, 0, () => false);
    caller.ws.send(JSON.stringify({ type: 'end' }));
    await caller.closed;
    await until('closed on node B', () => follower.events.some((e) => e.type === 'closed'));
    follower.ws.close();
    expectGapFree(follower.events);
    expect(follower.events.map((e) => [e.seq, e.type])).toEqual(
      caller.events.filter((e) => e.seq > 0).map((e) => [e.seq, e.type]),
    );
    expect(follower.events.filter((e) => e.type === 'speech_end').length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('a node started mid-call gives its followers the call from its first event', async () => {
    const a = nodes[0] as ServerProcess;
    const caller = await open(wsUrl(a, '/api/stream/asr', ingress));
    caller.ws.send(start('late-1'));
    const half = await stream(
      caller.ws,
      audio,
      0,
      () => caller.events.filter((e) => e.type === 'speech_end').length >= 1,
    );
    // Node F joins the bus now: it saw none of the call's events so far.
    const f = await node('f');
    const rest = stream(caller.ws, audio, half, () => false);
    await until('the call on node F', async () => {
      const list = await api<{ calls: Array<{ case_id: string }> }>(`${f.url}/api/calls`, supervisor);
      return list.json.calls.some((c) => c.case_id === 'late-1');
    });
    const follower = await open(wsUrl(f, '/api/calls/late-1/events?last_seq=0', supervisor));
    await rest;
    caller.ws.send(JSON.stringify({ type: 'end' }));
    await caller.closed;
    await until('closed on node F', () => follower.events.some((e) => e.type === 'closed'));
    follower.ws.close();
    expect(follower.events.map((e) => [e.seq, e.type])).toEqual(
      caller.events.filter((e) => e.seq > 0).map((e) => [e.seq, e.type]),
    );
  }, 240_000);

  it('a KB version imported on node A is served by node B', async () => {
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    const body = [
      {
        id: 'c-1',
        question: '路燈不亮要找哪裡報修',
        answer: '請向工務局公園路燈工程管理處報修。',
        agency: '工務局',
      },
      { id: 'c-2', question: '垃圾車幾點來', answer: '請查詢環保局垃圾車動態。', agency: '環境保護局' },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const res = await fetch(`${a.url}/api/kb/cluster-kb/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/x-ndjson' },
      body,
    });
    expect(res.status, await res.text()).toBeLessThan(300);
    const kbsOn = async (server: ServerProcess) =>
      (
        await api<{ kbs: Array<{ kb: string; version: number; entries: number }> }>(
          `${server.url}/api/kb`,
          ADMIN,
        )
      ).json.kbs;
    const onA = (await kbsOn(a)).find((k) => k.kb === 'cluster-kb');
    expect(onA?.entries).toBe(2);
    const onB = await until('the KB on node B', async () =>
      (await kbsOn(b)).find((k) => k.kb === 'cluster-kb'),
    );
    expect(onB).toEqual(onA);
  }, 60_000);

  it('a case live on one node is refused on another (two processes never drive one case)', async () => {
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    const first = await open(wsUrl(a, '/api/stream/asr', ingress));
    first.ws.send(start('owned-1'));
    await until('started on A', () => first.events.some((e) => e.type === 'started'));
    const second = await open(wsUrl(b, '/api/stream/asr', ingress));
    second.ws.send(start('owned-1'));
    const refused = await until('refused on B', () => second.events.find((e) => e.type === 'error'));
    expect(refused.code).toBe('case_in_use');
    // While A is alive and renewing its claim, a resume on B is refused too.
    const third = await open(wsUrl(b, '/api/stream/asr', ingress));
    third.ws.send(JSON.stringify({ type: 'resume', case_id: 'owned-1', last_seq: 1 }));
    const notTaken = await until('resume refused on B', () => third.events.find((e) => e.type === 'error'));
    expect(notTaken.code).toBe('case_in_use');
    first.ws.send(JSON.stringify({ type: 'end' }));
    await first.closed;
    second.ws.close();
    third.ws.close();
  }, 60_000);

  it('node A killed mid-call: the client resumes on node B with last_seq, same case, nothing acknowledged lost', async () => {
    const a = nodes[0] as ServerProcess;
    const b = nodes[1] as ServerProcess;
    const caller = await open(wsUrl(a, '/api/stream/asr', ingress));
    caller.ws.send(start('kill-1'));
    const sent = await stream(
      caller.ws,
      audio,
      0,
      () => caller.events.filter((e) => e.type === 'speech_end').length >= 2,
    );
    const before = caller.events.filter((e) => e.seq > 0);
    const lastSeq = before.at(-1)?.seq ?? 0;
    await a.kill9();
    caller.ws.terminate();

    // The client retries until A's claim has lapsed (HOTLINE_CASE_LEASE_MS), then B continues the call.
    const resumed = await until(
      'resume on node B',
      async () => {
        const client = await open(wsUrl(b, '/api/stream/asr', ingress));
        client.ws.send(JSON.stringify({ type: 'resume', case_id: 'kill-1', last_seq: lastSeq }));
        const answer = await until('an answer', () =>
          client.events.find((e) => e.type === 'error' || e.type === 'started'),
        );
        if (answer.type === 'started') return client;
        expect(answer.code).toBe('case_in_use');
        client.ws.close();
        return null;
      },
      30_000,
    );
    await stream(resumed.ws, audio, sent, () => false);
    resumed.ws.send(JSON.stringify({ type: 'end' }));
    await resumed.closed;
    const after = resumed.events.filter((e) => e.seq > 0);
    expect(after[0]).toMatchObject({ type: 'started', resumed: true, seq: lastSeq + 1 });
    expectGapFree([...before, ...after]);
    expect(after.at(-1)).toMatchObject({ type: 'closed', reason: 'end' });

    type CaseJson = {
      status: string;
      end_reason: string | null;
      audio: Array<{ segment_id: string; kind: string; sha256: string }>;
    };
    const view = await api<CaseJson>(`${b.url}/api/case/kill-1`, supervisor);
    expect(view.status).toBe(200);
    expect(view.json).toMatchObject({ status: 'ended', end_reason: 'end' });

    // A starts again on its data dir: its journal of the call is replayed, but B continued and
    // ended the case since, so A only adds what it alone had (its last received audio).
    const restarted = await node('a');
    const replayed = await api<CaseJson>(`${b.url}/api/case/kill-1`, supervisor);
    expect(replayed.json).toMatchObject({ status: 'ended', end_reason: 'end' });
    expect(restarted.output()).toMatch(/went on on another node/);
    expect(restarted.output()).not.toMatch(/recovered a call cut off by a crash/);
    // A's replay adds its chunks beside B's: a chunk B numbered the same (A's row was not yet in
    // the database when B resumed) is not stored over.
    const chunks = (json: CaseJson) =>
      json.audio.filter((s) => s.kind === 'call').map(({ segment_id, sha256 }) => ({ segment_id, sha256 }));
    expect(chunks(replayed.json)).toEqual(expect.arrayContaining(chunks(view.json)));
    expect(`${restarted.output()}${b.output()}`).not.toMatch(/already exists|write failed/);
  }, 300_000);

  it('drain: SIGTERM tells clients resume_elsewhere, /readyz goes red, and another node continues the call', async () => {
    const b = nodes[1] as ServerProcess;
    const c = await node('c');
    const caller = await open(wsUrl(b, '/api/stream/asr', ingress));
    caller.ws.send(start('drain-1'));
    await stream(caller.ws, audio, 0, () => caller.events.filter((e) => e.type === 'speech_end').length >= 1);
    b.child.kill('SIGTERM');
    await until('closed', () => caller.events.find((e) => e.type === 'closed'));
    const ready = await fetch(`${b.url}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    expect([0, 503]).toContain(ready);
    const closed = caller.events.find((e) => e.type === 'closed');
    expect(closed?.reason).toBe('resume_elsewhere');
    await caller.closed;
    const lastSeq = caller.events.filter((e) => e.seq > 0).at(-1)?.seq ?? 0;
    const moved = await until('resume on node C', async () => {
      const client = await open(wsUrl(c, '/api/stream/asr', ingress));
      client.ws.send(JSON.stringify({ type: 'resume', case_id: 'drain-1', last_seq: lastSeq }));
      const answer = await until('an answer', () =>
        client.events.find((e) => e.type === 'error' || e.type === 'started'),
      );
      if (answer.type === 'started') return client;
      client.ws.close();
      return null;
    });
    moved.ws.send(JSON.stringify({ type: 'end' }));
    await moved.closed;
    expectGapFree([...caller.events, ...moved.events].filter((e) => e.seq > 0));
    await b.stop();
  }, 180_000);

  it('serve --workers 2: two server processes share one port and the bus', async () => {
    const port = await freePort();
    const env = withoutHotlineSettings({
      ...settings('workers'),
      HOTLINE_NODE_ID: 'box',
      HOTLINE_KB_SEED: '',
      HOTLINE_LOG_LEVEL: 'warn',
      HOTLINE_PORT: String(port),
    });
    const main = join(repoRoot, 'src/cli/main.ts');
    const server = await launchServer(
      ['--import', 'tsx', main, 'serve', '--workers', '2'],
      env,
      port,
      150_000,
    );
    nodes.push(server);
    // A new connection each time (no keep-alive), so node:cluster hands them to both workers in turn.
    const scrape = () =>
      new Promise<string>((resolve, reject) => {
        get(
          `${server.url}/metrics`,
          { agent: false, headers: { authorization: `Bearer ${ADMIN}` } },
          (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve(body));
          },
        ).on('error', reject);
      });
    const seen = new Set<string>();
    await until(
      'both workers answering',
      async () => {
        const match = /hotline_live_calls\{node="([^"]+)"\}/.exec(await scrape().catch(() => ''));
        if (match?.[1]) seen.add(match[1]);
        return seen.size === 2;
      },
      60_000,
    );
    expect([...seen].sort()).toEqual(['box-w1', 'box-w2']);
    await server.stop();
    expect(server.child.exitCode).toBe(0);
  }, 240_000);

  // Last: with a version active, the nodes' later calls would use it.
  it('ASR model versions changed on one node take effect on another, and on a node started later', async () => {
    const a = nodes.find((n) => n.child.exitCode === null && n.child.signalCode === null) as ServerProcess;
    const b = await node('d');
    // A remote engine needs no model files on either node; the later calls use it, so it answers.
    for (const model of ['asr-v1', 'asr-v2']) {
      const spec = { engine: 'remote', remote_url: transcriber.url, remote_model: model };
      expect((await api(`${a.url}/api/models/asr`, ADMIN, 'POST', spec)).status).toBe(201);
    }
    const sameOnB = async (what: string) => {
      const onA = await asrRoles(a);
      await until(what, async () => JSON.stringify(await asrRoles(b)) === JSON.stringify(onA));
      return onA;
    };
    expect(await sameOnB('both versions on B')).toEqual({ 'asr-v1': 'active', 'asr-v2': 'standby' });
    await api(`${a.url}/api/models/asr/activate`, ADMIN, 'POST', { version: 'asr-v2' });
    expect(await sameOnB('v2 active on B')).toEqual({ 'asr-v1': 'standby', 'asr-v2': 'active' });
    await api(`${a.url}/api/models/asr/candidate`, ADMIN, 'POST', { version: 'asr-v1', share: 0.2 });
    expect(await sameOnB('v1 candidate on B')).toEqual({ 'asr-v1': 'candidate', 'asr-v2': 'active' });
    const back = await api<{ active: string }>(`${a.url}/api/models/asr/rollback`, ADMIN, 'POST');
    expect(back.json.active).toBe('asr-v1');
    expect(await sameOnB('rolled back on B')).toEqual({ 'asr-v1': 'active', 'asr-v2': 'standby' });
    // A node that joins now replays the change log: the same versions, the same one active.
    const later = await node('e');
    expect(await asrRoles(later)).toEqual({ 'asr-v1': 'active', 'asr-v2': 'standby' });
  }, 400_000);
});
