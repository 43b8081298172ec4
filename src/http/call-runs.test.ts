import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../cases/testing/fixtures.js';
import { StreamClient } from '../ingress/testing/stream-client.js';
import type { ServerEvent } from '../protocol/index.js';
import { startApp, type RunningApp } from './app.js';

const ADMIN = 'call-runs-admin-token-5e8b2a91c4d7f3';

/**
 * A case started again (as the desktop does after a server restart) is a new run of the same case:
 * its events are numbered from 1 again, it keeps its readable number, and a follower that names the
 * run it knew gets the new run from its start.
 */
describe('runs of a case and its readable number', () => {
  let app: RunningApp;
  const ws = (path: string) => app.url.replace(/^http/, 'ws') + path;

  beforeAll(async () => {
    app = await startApp(testConfig({ server: { port: 0, host: '127.0.0.1' }, auth: { adminToken: ADMIN } }));
  });
  afterAll(async () => {
    await app.close();
  });

  async function run(caseId: string): Promise<Extract<ServerEvent, { type: 'started' }>> {
    const client = await StreamClient.connect(ws('/api/stream/asr'), ADMIN);
    client.send({ type: 'start', case_id: caseId, format: 'pcm_s16le', sample_rate: 16000 });
    const started = await client.nextOfType('started');
    client.send({ type: 'end' });
    await client.nextOfType('closed');
    await client.closed();
    return started;
  }

  it('numbers the case once, and a follower of the earlier run gets the new run from its start', async () => {
    const first = await run('restarted-case');
    expect(first.case_no).toMatch(/^1999-\d{8}-\d{6}$/);
    await new Promise((r) => setTimeout(r, 5));
    const second = await run('restarted-case');
    expect(second.seq).toBe(1);
    expect(second.case_no).toBe(first.case_no);
    expect(second.ts).not.toBe(first.ts);

    const calls = (
      await app.server.inject({
        method: 'GET',
        url: '/api/calls',
        headers: { authorization: `Bearer ${ADMIN}` },
      })
    ).json<{ calls: Array<{ case_id: string; case_no: string; speech_to_text: boolean }> }>().calls;
    expect(calls.find((c) => c.case_id === 'restarted-case')).toMatchObject({
      case_no: first.case_no,
      speech_to_text: false,
    });

    // Knew the first run up to seq 3: gets the second run from seq 1.
    const earlier = await StreamClient.connect(
      ws(`/api/calls/restarted-case/events?token=${ADMIN}&last_seq=3&run=${first.ts}`),
    );
    const replayed = await earlier.nextOfType('started');
    expect(replayed).toMatchObject({ seq: 1, ts: second.ts });
    await earlier.close();

    // Knew this run up to seq 1: gets what came after it only.
    const current = await StreamClient.connect(
      ws(`/api/calls/restarted-case/events?token=${ADMIN}&last_seq=1&run=${second.ts}`),
    );
    await current.nextOfType('closed');
    expect(current.events.map((e) => e.seq)[0]).toBe(2);
    await current.close();
  });
});
