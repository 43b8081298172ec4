/**
 * Calls cut off by a node that died: ended by the cluster when nobody resumes them, resumed on
 * another node whatever ASR version the nodes run. Real NATS and PostgreSQL, as cluster.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type ServerProcess } from '../crash/server.js';
import { ADMIN, testCluster } from './fixture.js';
import { callAudio, hasVad, natsUp, open, pgUp, stream, until } from './harness.js';

describe.skipIf(!natsUp || !pgUp || !hasVad)('cluster: calls cut off by a dead node', () => {
  const cluster = testCluster();
  const { nodes, node, start, wsUrl } = cluster;
  const audio = hasVad ? callAudio() : Buffer.alloc(0);
  const caseView = (server: ServerProcess, caseId: string) =>
    api<{ status: string; end_reason: string | null }>(
      `${server.url}/api/case/${caseId}`,
      cluster.tokens.supervisor,
    );

  beforeAll(() => cluster.setUp(), 180_000);
  afterAll(() => cluster.tearDown(), 120_000);

  it('a node restarted under another id while its claims still run: its cut-off call ends as interrupted once the claim lapses, and can still be resumed', async () => {
    const b = nodes[1] as ServerProcess;
    // A long claim, so the node is back (under its new id) well before it lapses.
    const k = await node('k', { HOTLINE_CASE_LEASE_MS: '20000' });
    const caller = await open(wsUrl(k, '/api/stream/asr', cluster.tokens.ingress));
    caller.ws.send(start('cut-1'));
    await stream(caller.ws, audio, 0, () => caller.events.some((e) => e.type === 'speech_end'));
    await k.kill9();
    caller.ws.terminate();

    // Its data dir comes back as node k2: the replay cannot claim the case (k's claim runs), so
    // it adds what k had and leaves the end; nobody resumes the call.
    const k2 = await node('k2', { HOTLINE_DATA_DIR: cluster.dataDir('k') });
    expect(k2.output()).toMatch(/held by another node/);
    expect((await caseView(b, 'cut-1')).json.status).toBe('live');
    const ended = await until(
      'the cut-off call ended',
      async () => {
        const view = await caseView(b, 'cut-1');
        return view.json.status !== 'live' && view.json;
      },
      60_000,
    );
    expect(ended).toMatchObject({ status: 'interrupted', end_reason: 'interrupted' });

    // Cut off, not closed: the client may still come back and finish the call on any node.
    const lastSeq = caller.events.filter((e) => e.seq > 0).at(-1)?.seq ?? 0;
    const back = await cluster.resumeOn(b, 'cut-1', lastSeq);
    back.ws.send(JSON.stringify({ type: 'end' }));
    await back.closed;
    expect((await caseView(b, 'cut-1')).json).toMatchObject({ status: 'ended', end_reason: 'end' });
  }, 240_000);

  it('with a remote ASR version active everywhere, a call cut off by a kill -9 resumes on another node', async () => {
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    const spec = { engine: 'remote', remote_url: cluster.transcriber.url, remote_model: 'asr-remote' };
    expect((await api(`${a.url}/api/models/asr`, ADMIN, 'POST', spec)).status).toBe(201);
    await until('the version on B', async () =>
      (
        await api<{ versions: Array<{ version: string }> }>(`${b.url}/api/models/asr`, ADMIN)
      ).json.versions.some((v) => v.version === 'asr-remote'),
    );
    await cluster.expectResumedAfterKill(a, b, 'asr-kill-1', audio);
  }, 240_000);
});
