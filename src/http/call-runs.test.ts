import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../cases/testing/fixtures.js';
import { StreamClient } from '../ingress/testing/stream-client.js';
import type { ServerEvent } from '../protocol/index.js';
import type { Config } from '../config/index.js';
import { startApp, type RunningApp } from './app.js';

const ADMIN = 'call-runs-admin-token-5e8b2a91c4d7f3';

/**
 * A case started again after a server restart (as the agent's desktop does: the phone call goes
 * on) is a new run of the same case: its events are numbered from 1 again, it keeps its readable
 * number, and a follower that names the run it knew gets the new run from its start.
 */
describe('runs of a case and its readable number', () => {
  let config: Config;
  let app: RunningApp;
  let agent = '';
  const ws = (path: string) => app.url.replace(/^http/, 'ws') + path;
  const token = async (role: string) =>
    (
      await app.server.inject({
        method: 'POST',
        url: '/api/tokens',
        headers: { authorization: `Bearer ${ADMIN}` },
        payload: { name: `runs-${role}`, role },
      })
    ).json<{ token: string }>().token;

  beforeAll(async () => {
    config = testConfig({ server: { port: 0, host: '127.0.0.1' }, auth: { adminToken: ADMIN } });
    app = await startApp(config);
    agent = await token('agent');
  });
  afterAll(async () => {
    await app.close();
  });

  async function start(
    caseId: string,
  ): Promise<{ client: StreamClient; started: Extract<ServerEvent, { type: 'started' }> }> {
    const client = await StreamClient.connect(ws('/api/stream/asr'), agent);
    client.send({ type: 'start', case_id: caseId, format: 'pcm_s16le', sample_rate: 16000 });
    return { client, started: await client.nextOfType('started') };
  }

  it('numbers the case once, and a follower of the earlier run gets the new run from its start', async () => {
    const first = await start('restarted-case');
    expect(first.started.case_no).toMatch(/^1999-\d{8}-\d{6}$/);
    // The server restarts under the live call: it is told, and the case is closed as cut off.
    await app.close();
    expect(await first.client.nextOfType('closed')).toMatchObject({ reason: 'server_shutdown' });
    app = await startApp(config);

    const second = await start('restarted-case');
    expect(second.started.seq).toBe(1);
    expect(second.started.case_no).toBe(first.started.case_no);
    expect(second.started.ts).not.toBe(first.started.ts);
    second.client.send({ type: 'end' });
    await second.client.nextOfType('closed');
    await second.client.closed();

    const calls = (
      await app.server.inject({
        method: 'GET',
        url: '/api/calls',
        headers: { authorization: `Bearer ${await token('supervisor')}` },
      })
    ).json<{ calls: Array<{ case_id: string; case_no: string; speech_to_text: boolean }> }>().calls;
    expect(calls.find((c) => c.case_id === 'restarted-case')).toMatchObject({
      case_no: first.started.case_no,
      speech_to_text: false,
    });

    // Knew the first run up to seq 3: gets the second run from seq 1.
    const earlier = await StreamClient.connect(
      ws(`/api/calls/restarted-case/events?token=${agent}&last_seq=3&run=${first.started.ts}`),
    );
    const replayed = await earlier.nextOfType('started');
    expect(replayed).toMatchObject({ seq: 1, ts: second.started.ts });
    await earlier.close();

    // Knew this run up to seq 1: gets what came after it only.
    const current = await StreamClient.connect(
      ws(`/api/calls/restarted-case/events?token=${agent}&last_seq=1&run=${second.started.ts}`),
    );
    await current.nextOfType('closed');
    expect(current.events.map((e) => e.seq)[0]).toBe(2);
    await current.close();

    // Ended by its client, the case is archived: no third run under its id.
    const third = await StreamClient.connect(ws('/api/stream/asr'), agent);
    third.send({ type: 'start', case_id: 'restarted-case', format: 'pcm_s16le', sample_rate: 16000 });
    expect(await third.nextOfType('error')).toMatchObject({ code: 'case_archived' });
    await third.close();
  });
});
