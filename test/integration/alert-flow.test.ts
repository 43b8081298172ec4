/**
 * An emergency on a real call: real speech → Silero VAD → the reference-text ASR test double (no
 * Mandarin model exists here) says something urgent → the alert carries its category, referral and
 * script → the agent acknowledges it, a supervisor takes the call over and notes the outcome →
 * every step is on the call's stream, on the alert board, in the case record and in the audit log.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioManifest, sharedPaths } from '../shared.js';
import { encodeFromPcm16, readWav } from '../../src/audio/index.js';
import { loadConfig } from '../../src/config/index.js';
import { startApp, type RunningApp } from '../../src/http/app.js';
import { ReferenceTextEngineDouble } from '../../src/asr/testing/reference-text-engine.js';
import { StreamClient } from '../../src/ingress/testing/stream-client.js';

const ADMIN = 'alert-flow-admin-token-of-32-characters';
// Said twice so that whichever part of it a VAD segment carries is urgent.
const SPOKEN = '失火了我家廚房整個燒起來了我出不去快來救我失火了我家廚房整個燒起來了我出不去快來救我';

describe('an emergency on a call, from alert to outcome', () => {
  let app: RunningApp;
  const recording = audioManifest().find((r) => r.file === 'paraformer-zh-2023-03-28/8k.wav')!;

  beforeAll(async () => {
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: mkdtempSync(join(tmpdir(), 'hotline-alerts-')),
        logLevel: 'silent',
        server: { port: 0, host: '127.0.0.1' },
        vad: { model: sharedPaths.vadModel },
        knowledge: { seed: sharedPaths.faq },
        auth: { adminToken: ADMIN, devSignIn: true },
      },
    });
    const double = new ReferenceTextEngineDouble(() => ({
      text: SPOKEN,
      durationMs: recording.durationS * 1000,
    }));
    app = await startApp(config, { asrEngine: double });
  }, 120_000);
  afterAll(async () => app?.close());

  const signIn = async (name: string, role: 'agent' | 'supervisor') => {
    const res = await fetch(`${app.url}/api/auth/dev`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, role }),
    });
    return (await res.json()) as { token: string; user: { id: string } };
  };
  const call = (token: string, path: string, body?: unknown) =>
    fetch(`${app.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('raises a 119 fire alert with a script; agent and supervisor act on it; all of it is recorded', async () => {
    const agent = await signIn('王小明', 'agent');
    const supervisor = await signIn('陳督導', 'supervisor');
    const client = await StreamClient.connect(
      `${app.url.replace('http', 'ws')}/api/stream/asr?token=${agent.token}`,
    );
    client.send({
      type: 'start',
      case_id: 'fire-1',
      format: 'mulaw',
      sample_rate: 8000,
      agent_id: agent.user.id,
    });
    const pcm = readWav(readFileSync(recording.path)).channels[0]!;
    await client.streamAudio(encodeFromPcm16(pcm, 'mulaw'), 8, 100);

    const alert = await client.nextOfType('alert', 30_000);
    expect(alert).toMatchObject({ level: 'critical', category: 'fire_gas', protocol: '119' });
    expect(alert.script).toContain('119');
    expect(alert.script).toContain('地址');

    // The agent may acknowledge but not take over; an unknown alert and a bare outcome are refused.
    expect(
      (await call(agent.token, `/api/calls/fire-1/alerts/${alert.seq}`, { action: 'take_over' })).status,
    ).toBe(403);
    expect(
      (await call(agent.token, '/api/calls/fire-1/alerts/999999', { action: 'acknowledge' })).status,
    ).toBe(404);
    const bare = await call(supervisor.token, `/api/calls/fire-1/alerts/${alert.seq}`, { action: 'outcome' });
    expect(bare.status).toBe(400);
    expect(((await bare.json()) as { error: { code: string } }).error.code).toBe('invalid_body');

    const ack = await call(agent.token, `/api/calls/fire-1/alerts/${alert.seq}`, { action: 'acknowledge' });
    expect(ack.status).toBe(200);
    expect(
      ((await ack.json()) as { alert: { acknowledged_by_agent: { by: string } } }).alert.acknowledged_by_agent
        .by,
    ).toBe(agent.user.id);
    expect(
      (await call(supervisor.token, `/api/calls/fire-1/alerts/${alert.seq}`, { action: 'take_over' })).status,
    ).toBe(200);
    const outcome = await call(supervisor.token, `/api/calls/fire-1/alerts/${alert.seq}`, {
      action: 'outcome',
      note: '已轉接119，消防車已出動',
    });
    expect(outcome.status).toBe(200);

    // Every step is on the call's stream (the desktops), in order.
    const actions = client.ofType('alert_action').filter((a) => a.alert_seq === alert.seq);
    expect(actions.map((a) => [a.action, a.role])).toEqual([
      ['acknowledge', 'agent'],
      ['take_over', 'supervisor'],
      ['outcome', 'supervisor'],
    ]);

    // The board shows the alert with what was done about it.
    const board = (await (await call(supervisor.token, '/api/alerts')).json()) as {
      alerts: Array<Record<string, unknown>>;
    };
    expect(board.alerts.find((a) => a.seq === alert.seq)).toMatchObject({
      case_no: expect.stringMatching(/^1999-\d{8}-\d{6}$/),
      category: 'fire_gas',
      protocol: '119',
      acknowledged_by_agent: { by: agent.user.id, by_name: '王小明' },
      taken_over_by: { by: supervisor.user.id },
      outcome: { by: supervisor.user.id, note: '已轉接119，消防車已出動' },
    });

    client.send({ type: 'end' });
    await client.nextOfType('closed', 30_000);

    // The case record and the audit log have every step.
    await expect
      .poll(async () => JSON.stringify(await (await call(supervisor.token, '/api/case/fire-1')).json()), {
        timeout: 10_000,
      })
      .toContain('alert_outcome');
    const record = JSON.stringify(await (await call(supervisor.token, '/api/case/fire-1')).json());
    for (const step of ['alert_critical', 'alert_acknowledge', 'alert_take_over', 'alert_outcome'])
      expect(record).toContain(step);
    expect(record).toContain('消防車已出動');
    const audit = (await (await call(ADMIN, '/api/audit?target_id=fire-1&limit=100')).json()) as {
      entries: Array<{ action: string; actorId: string | null }>;
    };
    const steps = audit.entries.map((e) => e.action).filter((a) => a.startsWith('alert.'));
    expect(new Set(steps)).toEqual(
      new Set(['alert.critical', 'alert.acknowledge', 'alert.take_over', 'alert.outcome']),
    );
  }, 90_000);
});
