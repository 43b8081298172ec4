/**
 * Several real server processes as one cluster: NATS (JetStream) at 127.0.0.1:4222 and one
 * PostgreSQL database. Each node has its own data dir; calls, claims and KB versions are shared.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../shared.js';
import { get } from 'node:http';
import { api, freePort, launchServer, withoutHotlineSettings, type ServerProcess } from '../crash/server.js';
import { ADMIN, testCluster } from './fixture.js';
import { callAudio, expectGapFree, hasVad, natsUp, open, pgUp, stream, until } from './harness.js';

if (!natsUp || !pgUp || !hasVad)
  console.warn('[cluster] skipped: needs NATS on 4222, PostgreSQL on 5432 and the shared VAD model');

describe.skipIf(!natsUp || !pgUp || !hasVad)('cluster: nodes on NATS and PostgreSQL', () => {
  const cluster = testCluster();
  const { nodes, node, settings, start, transcriber, wsUrl } = cluster;
  let ingress = '';
  let supervisor = '';
  const audio = hasVad ? callAudio() : Buffer.alloc(0);
  const asrRoles = async (server: ServerProcess) =>
    Object.fromEntries(
      (
        await api<{ versions: Array<{ version: string; role: string }> }>(
          `${server.url}/api/models/asr`,
          ADMIN,
        )
      ).json.versions.map((v) => [v.version, v.role]),
    );

  beforeAll(async () => {
    await cluster.setUp();
    ({ ingress, supervisor } = cluster.tokens);
  }, 180_000);

  afterAll(() => cluster.tearDown(), 120_000);

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
    await cluster.expectResumedAfterKill(a, b, 'kill-1', audio);

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
    // No wait for a claim: the drained node gave its claims up.
    const moved = await cluster.resumeOn(c, 'drain-1', lastSeq);
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
});
