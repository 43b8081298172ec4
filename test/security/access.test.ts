/**
 * Object-level access on every path that reaches a call's content: resume, follow, feedback, new
 * streams reusing a case id, the call board, text conversations and case records; each refused
 * attempt and each granted access to content leaves an audit entry.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bootApp,
  errorsOf,
  eventually,
  sendAudio,
  sleep,
  start,
  storeBackends,
  tonePcm,
  type TestApp,
} from './harness.js';

describe.each(storeBackends())('object-level access on $name', (backend) => {
  let t: TestApp;
  const tokens = {} as Record<'amy' | 'bob' | 'sue' | 'pbx' | 'pbx2' | 'crm' | 'crm2', string>;
  const ids = {} as Record<'amy' | 'bob', string>;

  beforeAll(async () => {
    t = await bootApp(backend);
    tokens.amy = await t.token('agent', 'amy');
    tokens.bob = await t.token('agent', 'bob');
    tokens.sue = await t.token('supervisor', 'sue');
    tokens.pbx = await t.token('ingress', 'pbx');
    tokens.pbx2 = await t.token('ingress', 'pbx-2');
    tokens.crm = await t.token('service', 'crm');
    tokens.crm2 = await t.token('service', 'crm-2');
    for (const who of ['amy', 'bob'] as const) {
      const me = await t.api<{ id: string }>('GET', '/api/auth/me', tokens[who]);
      ids[who] = me.json.id;
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('resume: another agent cannot take over a call (no events, no audio, no end); the owner can', async () => {
    const amy = await t.call(tokens.amy, 'takeover-1');
    await sendAudio(amy, tonePcm(500));

    const bob = await t.stream(tokens.bob);
    bob.send({ type: 'resume', case_id: 'takeover-1', last_seq: 0 });
    const refused = await bob.next((e) => e.type === 'error');
    expect(refused).toMatchObject({ code: 'forbidden', seq: 0 });
    // Bob's audio and end go nowhere: his connection has no call.
    bob.sendAudio(tonePcm(300));
    bob.send({ type: 'end' });
    await bob.nextNew((e) => e.type === 'error' && (e as { code: string }).code === 'not_started');
    expect(bob.events.filter((e) => e.type !== 'error')).toEqual([]);
    await bob.close();

    // The call is untouched: still live, still Amy's.
    const calls = await t.api<{ calls: Array<{ case_id: string; status: string }> }>(
      'GET',
      '/api/calls',
      tokens.sue,
    );
    expect(calls.json.calls.find((c) => c.case_id === 'takeover-1')?.status).toBe('live');
    const denied = await t.audit({ action: 'call.denied', target_id: 'takeover-1' });
    expect(denied).toMatchObject([{ actorId: ids.bob, actorRole: 'agent' }]);
    expect(denied[0]?.detail).toMatchObject({ via: 'resume' });

    // Amy drops and resumes her own call: allowed and audited as access to the call's events.
    const lastSeq = amy.events.at(-1)?.seq ?? 0;
    await amy.close();
    const again = await t.stream(tokens.amy);
    again.send({ type: 'resume', case_id: 'takeover-1', last_seq: lastSeq });
    again.send({ type: 'end' });
    await again.nextOfType('closed');
    expect(errorsOf(again).filter((c) => c !== 'vad_unavailable' && c !== 'asr_unavailable')).toEqual([]);
    expect(await t.audit({ action: 'call.resume', target_id: 'takeover-1' })).toHaveLength(1);
  });

  it('resume: an ingress token continues only its own calls', async () => {
    const pbx = await t.call(tokens.pbx, 'pbx-call-1');
    await pbx.close();
    const other = await t.stream(tokens.pbx2);
    other.send({ type: 'resume', case_id: 'pbx-call-1', last_seq: 0 });
    expect(await other.nextOfType('error')).toMatchObject({ code: 'forbidden' });
    await other.close();
    const same = await t.stream(tokens.pbx);
    same.send({ type: 'resume', case_id: 'pbx-call-1', last_seq: 1 });
    same.send({ type: 'end' });
    await same.nextOfType('closed');
    await same.close();
  });

  it('resume with a seq the call has not reached, and audio after end, get clear errors', async () => {
    const amy = await t.call(tokens.amy, 'future-seq-1');
    const last = amy.events.at(-1)?.seq ?? 0;
    await amy.close();
    const again = await t.stream(tokens.amy);
    again.send({ type: 'resume', case_id: 'future-seq-1', last_seq: last + 50 });
    const error = await again.nextOfType('error');
    expect(error).toMatchObject({ code: 'future_seq', seq: 0 });
    expect(error.message).toContain(`seq ${last}`);
    // The same connection can still resume properly, then end; audio after end is answered.
    again.send({ type: 'resume', case_id: 'future-seq-1', last_seq: last });
    await sleep(50);
    again.send({ type: 'end' });
    again.sendAudio(tonePcm(100));
    const late = await again.next(
      (e) => e.type === 'error' && (e as { code: string }).code === 'already_ended',
    );
    expect(late).toMatchObject({ fatal: false });
    expect((late as { message: string }).message).toMatch(/after "end"/);
    await again.nextOfType('closed');
    await again.closed();
  });

  it('follow: supervisors (audited) and the owner; not another agent, not an admin', async () => {
    const amy = await t.call(tokens.amy, 'follow-1');

    const bob = await t.follow('follow-1', tokens.bob);
    expect(await bob.nextOfType('error')).toMatchObject({ code: 'forbidden', fatal: true });
    await bob.closed();
    const admin = await t.follow('follow-1', await t.token('admin'));
    expect(await admin.nextOfType('error')).toMatchObject({ code: 'forbidden' });
    await admin.closed();

    const sue = await t.follow('follow-1', tokens.sue);
    expect(await sue.nextOfType('started')).toMatchObject({ case_id: 'follow-1' });
    const desk = await t.follow('follow-1', tokens.amy);
    await desk.nextOfType('started');
    const follows = await t.audit({ action: 'call.follow', target_id: 'follow-1' });
    expect(follows.map((e) => e.actorRole).sort()).toEqual(['agent', 'supervisor']);
    const denied = await t.audit({ action: 'call.denied', target_id: 'follow-1' });
    expect(denied.map((e) => e.actorRole).sort()).toEqual(['admin', 'agent']);

    // Feedback: the supervisor view is read-only; the agent's own desktop annotates.
    sue.send({ type: 'feedback', case_id: 'follow-1', action: 'adopt', faq_id: 'faq-1' });
    expect(await sue.nextNew((e) => e.type === 'error')).toMatchObject({ code: 'forbidden' });
    desk.send({ type: 'feedback', case_id: 'follow-1', action: 'adopt', faq_id: 'faq-2' });
    expect(await amy.nextOfType('feedback')).toMatchObject({ faq_id: 'faq-2', by: ids.amy });
    expect(amy.ofType('feedback').map((f) => f.faq_id)).toEqual(['faq-2']);

    // A follower holding a seq this run has not reached knew an earlier run: it gets this one from its start.
    const ahead = await t.follow('follow-1', tokens.sue, 10_000);
    expect(await ahead.nextOfType('started')).toMatchObject({ seq: 1 });
    await ahead.close();
    amy.send({ type: 'end' });
    await amy.nextOfType('closed');
    for (const c of [sue, desk, amy]) await c.close();
  });

  it('ingress calls with no agent: hidden from agents unless the policy says so; ingress cannot annotate', async () => {
    const pbx = await t.call(tokens.pbx, 'unassigned-1');
    const bob = await t.follow('unassigned-1', tokens.bob);
    expect(await bob.nextOfType('error')).toMatchObject({ code: 'forbidden' });
    const list = await t.api<{ calls: Array<{ case_id: string }> }>('GET', '/api/calls', tokens.bob);
    expect(list.json.calls.map((c) => c.case_id)).not.toContain('unassigned-1');
    pbx.send({ type: 'feedback', case_id: 'unassigned-1', action: 'adopt', faq_id: 'faq-1' });
    expect(await pbx.nextNew((e) => e.type === 'error')).toMatchObject({ code: 'forbidden' });
    pbx.send({ type: 'end' });
    await pbx.nextOfType('closed');

    const open = await bootApp(backend, { auth: { agentsSeeUnassignedCalls: true } });
    try {
      const ingress = await open.stream(await open.token('ingress'));
      ingress.send(start('unassigned-2'));
      await ingress.nextOfType('started');
      const agent = await open.follow('unassigned-2', await open.token('agent'));
      expect(await agent.nextOfType('started')).toMatchObject({ case_id: 'unassigned-2' });
      ingress.send({ type: 'end' });
      await agent.nextOfType('closed');
    } finally {
      await open.close();
    }
  });

  it('the call board and alerts: no admin; agents see their own calls only; the viewing is audited', async () => {
    const amy = await t.call(tokens.amy, 'board-1');
    expect((await t.api('GET', '/api/calls', await t.token('admin'))).status).toBe(403);
    expect((await t.api('GET', '/api/alerts', await t.token('admin'))).status).toBe(403);
    const mine = await t.api<{ calls: Array<{ case_id: string }> }>('GET', '/api/calls', tokens.amy);
    expect(mine.json.calls.map((c) => c.case_id)).toContain('board-1');
    const bobs = await t.api<{ calls: Array<{ case_id: string }> }>('GET', '/api/calls', tokens.bob);
    expect(bobs.json.calls.map((c) => c.case_id)).not.toContain('board-1');
    const sup = await t.token('supervisor');
    await t.api('GET', '/api/calls', sup);
    await t.api('GET', '/api/calls', sup);
    // Polled every 2 s by the board: one entry per viewer per window, not one per poll.
    const listed = (await t.audit({ action: 'call.list' })).filter((e) => e.actorRole === 'supervisor');
    expect(listed.length).toBeGreaterThanOrEqual(1);
    expect(new Set(listed.map((e) => e.actorId)).size).toBe(listed.length);
    amy.send({ type: 'end' });
    await amy.nextOfType('closed');
  });

  it('a new stream cannot reuse an archived or held case id: 409-style case_archived, evidence unchanged', async () => {
    const first = await t.call(tokens.amy, 'archived-1');
    await sendAudio(first, tonePcm(1500));
    first.send({ type: 'end' });
    await first.nextOfType('closed');
    await first.closed();
    const dir = join(t.dataDir, 'audio', 'cases', 'archived-1');
    const hashes = () =>
      readdirSync(dir)
        .sort()
        .map(
          (f) =>
            `${f}:${createHash('sha256')
              .update(readFileSync(join(dir, f)))
              .digest('hex')}`,
        );
    const before = hashes();
    expect(before.length).toBeGreaterThan(0);

    // The owner, another agent and an ingress token all get the same refusal.
    for (const token of [tokens.amy, tokens.bob, tokens.pbx]) {
      const again = await t.stream(token);
      again.send(start('archived-1'));
      const refused = await again.nextOfType('error');
      expect(refused).toMatchObject({ code: 'case_archived', seq: 0 });
      await sendAudio(again, tonePcm(1200));
      await again.close();
    }
    expect(hashes()).toEqual(before);
    expect(await t.audit({ action: 'call.denied', target_id: 'archived-1' })).toHaveLength(3);

    // A case on legal hold: the same, whatever its status.
    const sup = await t.token('supervisor');
    const recorded = await t.api('POST', '/api/case/record', tokens.amy, {
      case_id: 'held-1',
      revision: 1,
      transcript: [],
    });
    expect(recorded.status).toBe(201);
    expect((await t.api('POST', '/api/case/held-1/hold', sup, { hold: true, reason: 'court' })).status).toBe(
      200,
    );
    const held = await t.stream(tokens.amy);
    held.send(start('held-1'));
    const refusedHeld = await held.nextOfType('error');
    expect(refusedHeld).toMatchObject({ code: 'case_archived' });
    expect(refusedHeld.message).toContain('legal hold');
    await held.close();
    const view = await t.api<{ status: string; legal_hold: boolean }>('GET', '/api/case/held-1', sup);
    expect(view.json).toMatchObject({ legal_hold: true });
  });

  it('a case recorded but not ended can be streamed by its owner only', async () => {
    expect(
      (
        await t.api('POST', '/api/case/record', tokens.amy, {
          case_id: 'open-1',
          revision: 1,
          transcript: [],
        })
      ).status,
    ).toBe(201);
    const bob = await t.stream(tokens.bob);
    bob.send(start('open-1'));
    expect(await bob.nextOfType('error')).toMatchObject({ code: 'forbidden' });
    await bob.close();
    const amy = await t.call(tokens.amy, 'open-1');
    amy.send({ type: 'end' });
    await amy.nextOfType('closed');
  });

  it('text conversations: only the owner continues one; the owner and supervisors read it (audited)', async () => {
    const created = await t.api<{ conversation_id: string }>('POST', '/api/conversation', tokens.crm, {});
    expect(created.status).toBe(201);
    const id = created.json.conversation_id;
    expect(
      (await t.api('POST', '/api/query', tokens.crm, { conversation_id: id, text: '垃圾車幾點來' })).status,
    ).toBe(200);
    for (const other of [tokens.crm2, tokens.bob, await t.token('admin')]) {
      const query = await t.api<{ error: { code: string } }>('POST', '/api/query', other, {
        conversation_id: id,
        text: '我的身分證是A123456789',
      });
      expect(query.status).toBe(403);
      expect(query.json.error.code).toBe('not_your_conversation');
      const history = await t.api('GET', `/api/conversation/${id}/history`, other);
      expect(history.status).toBe(403);
    }
    const supervisor = await t.api<{ turns: unknown[] }>(
      'GET',
      `/api/conversation/${id}/history`,
      tokens.sue,
    );
    expect(supervisor.status).toBe(200);
    expect(supervisor.json.turns).toHaveLength(2);
    expect(
      (await t.api('POST', '/api/query', tokens.sue, { conversation_id: id, text: '你好' })).status,
    ).toBe(403);
    const own = await t.api<{ turns: unknown[] }>('GET', `/api/conversation/${id}/history`, tokens.crm);
    expect(own.json.turns).toHaveLength(2);
    const reads = await t.audit({ action: 'conversation.read', target_id: id });
    expect(reads.map((e) => e.actorRole).sort()).toEqual(['service', 'supervisor']);
    // Three strangers × (continue, read), and the supervisor trying to continue.
    expect(await t.audit({ action: 'conversation.denied', target_id: id })).toHaveLength(7);
  });

  it('case records: a service cannot hand a case to an agent; supervisors reassign, audited', async () => {
    const record = (token: string, caseId: string, revision: number, agentId?: string) =>
      t.api<{ error?: { code: string } }>('POST', '/api/case/record', token, {
        case_id: caseId,
        revision,
        transcript: [],
        ...(agentId ? { agent_id: agentId } : {}),
      });
    expect((await record(tokens.crm, 'svc-1', 1)).status).toBe(201);
    const handOff = await record(tokens.crm, 'svc-1', 2, ids.bob);
    expect(handOff.status).toBe(403);
    expect(handOff.json.error?.code).toBe('agent_id_not_allowed');
    expect((await record(tokens.crm, 'svc-2', 1, ids.bob)).json.error?.code).toBe('agent_id_not_allowed');
    expect((await t.api('GET', '/api/case/svc-1', tokens.bob)).status).toBe(403);

    expect((await record(tokens.sue, 'svc-1', 2, ids.bob)).status).toBe(201);
    expect((await t.api('GET', '/api/case/svc-1', tokens.bob)).status).toBe(200);
    const entry = (await t.audit({ action: 'case.record', target_id: 'svc-1' }))[0];
    expect(entry?.detail).toMatchObject({ reassigned: { from: null, to: ids.bob } });
  });

  it('a revision that replaces transcript and notes keeps what it replaced, for supervisors', async () => {
    const utterance = (corrected: string, verified: boolean) => ({
      utterance_id: 'u1',
      speaker: 'caller',
      start_ms: 0,
      end_ms: 900,
      text: '路燈壞了',
      corrected_text: corrected,
      verified,
    });
    const first = await t.api('POST', '/api/case/record', tokens.amy, {
      case_id: 'rev-1',
      revision: 1,
      notes: '民眾說路燈壞了',
      transcript: [utterance('路燈壞了。', false)],
    });
    expect(first.status).toBe(201);
    const revised = await t.api('POST', '/api/case/record', tokens.sue, {
      case_id: 'rev-1',
      revision: 2,
      notes: '督導修正：路燈已修好',
      transcript: [utterance('路燈好了。', true)],
    });
    expect(revised.status).toBe(201);
    const view = await t.api<{
      notes: string;
      transcript: Array<{ text: string }>;
      history: Array<{ revision: number; item: string; previous: unknown; changed_by: string }>;
    }>('GET', '/api/case/rev-1', tokens.sue);
    expect(view.json.notes).toBe('督導修正：路燈已修好');
    expect(view.json.transcript[0]?.text).toBe('路燈好了。');
    expect(view.json.history).toEqual([
      expect.objectContaining({ revision: 2, item: 'notes', previous: '民眾說路燈壞了' }),
      expect.objectContaining({
        revision: 2,
        item: 'utterance:u1',
        previous: expect.objectContaining({ corrected_text: '路燈壞了。', verified: false }),
      }),
    ]);
    // Agents see the current record, not the supervisor's history.
    const agentView = await t.api<Record<string, unknown>>('GET', '/api/case/rev-1', tokens.amy);
    expect(agentView.json.history).toBeUndefined();
  });

  it('every access to call content is audited (case read, audio, search)', async () => {
    const amy = await t.call(tokens.amy, 'content-1');
    await sendAudio(amy, tonePcm(1200));
    amy.send({ type: 'end' });
    await amy.nextOfType('closed');
    await amy.closed();
    const view = await t.api<{ audio: Array<{ segment_id: string }> }>(
      'GET',
      '/api/case/content-1',
      tokens.sue,
    );
    const segment = view.json.audio[0]?.segment_id;
    expect(segment).toBeDefined();
    expect(
      (
        await fetch(`${t.app.url}/api/case/content-1/audio/${segment}`, {
          headers: { authorization: `Bearer ${tokens.sue}` },
        })
      ).status,
    ).toBe(200);
    await t.api('GET', '/api/cases?q=路燈', tokens.sue);
    expect(
      await eventually(async () =>
        (await t.audit({ target_id: 'content-1' })).some((e) => e.action === 'case.audio'),
      ),
    ).toBe(true);
    const actions = (await t.audit({ target_id: 'content-1' })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['case.stream', 'case.read', 'case.audio']));
    expect((await t.audit({ action: 'case.search' })).length).toBeGreaterThan(0);
  });
});
