import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireShared, sharedPaths } from '../../test/shared.js';
import { startLlmTestServer, type LlmTestServer } from '../../test/llm-server/server.js';
import { loadConfig, type ConfigInput } from '../config/index.js';
import type { EventBody } from '../protocol/index.js';
import { createCaseSystemRepository, openStore, type Store } from '../store/index.js';
import { createCallAssistantFactory } from './assistant.js';
import { createDemoCaseSystem } from './case-system.js';
import { unsupportedFacts } from './facts.js';
import { emergencyScript } from './urgency-protocols.js';
import { createKnowledgeDouble } from './testing/knowledge-double.js';
import { readFaqJsonl } from './testing/faq.js';
import type { AssistUtterance, CaseRecord, CaseSystem } from './types.js';

const faq = readFaqJsonl(requireShared(sharedPaths.faq));
const knowledge = createKnowledgeDouble(faq, {
  教育局: { agency: '臺北市政府教育局', phone: '(02)2720-8889', hours: '週一至週五8:30~17:30' },
});
const EDU = faq.find((e) => e.id === 'tpe2024-01949')!; // 教育財團法人會址 — answer carries 02-27208889分機6422

let store: Store;
let caseSystem: CaseSystem;
beforeAll(async () => {
  store = await openStore({});
  const repo = await createCaseSystemRepository(store);
  await repo.upsert({
    case_no: 'A1130012345',
    status: '派工處理中',
    agency: '工務局',
    summary: '信義路路燈不亮',
  });
  caseSystem = createDemoCaseSystem(repo);
});
afterAll(() => store.close());

function harness(overrides: ConfigInput = {}, call: { caseSystem?: CaseSystem; signal?: AbortSignal } = {}) {
  let clock = 0;
  const events: EventBody[] = [];
  const config = loadConfig({ env: {}, overrides: { suggest: { refreshMs: 1000 }, ...overrides } });
  const factory = createCallAssistantFactory({
    knowledge,
    config,
    caseSystem: call.caseSystem ?? caseSystem,
    now: () => clock,
  });
  const assistant = factory({
    caseId: 'case-1',
    emit: (e) => events.push(e),
    ...(call.signal ? { signal: call.signal } : {}),
  });
  let n = 0;
  const say = (text: string, extra: Partial<AssistUtterance> = {}): AssistUtterance => ({
    utteranceId: `u${++n}`,
    text,
    speaker: 'caller',
    startMs: n * 5000,
    endMs: n * 5000 + 3000,
    ...extra,
  });
  return {
    assistant,
    events,
    say,
    tick: (ms: number) => void (clock += ms),
    of: <T extends EventBody['type']>(type: T) =>
      events.filter((e): e is Extract<EventBody, { type: T }> => e.type === type),
  };
}

describe('call assistant with template scripts', () => {
  it('answers a final with a grounded script, once per utterance id', async () => {
    const h = harness();
    const u = h.say(EDU.question);
    h.assistant.onFinal(u);
    h.assistant.onFinal(u);
    const [s, ...more] = h.of('suggestion');
    expect(more).toEqual([]);
    expect(s).toMatchObject({
      utterance_id: 'u1',
      speculative: false,
      source: 'template',
      tier: 'hot',
      cited_faq_ids: [EDU.id],
    });
    expect(s?.faq_candidates[0]?.faq_id).toBe(EDU.id);
    expect(s?.reply_script).toContain('02-27208889分機6422');
    expect(s?.intent?.agency).toBe('教育局');
    expect(h.assistant.suggestionFor?.('u1')).toBe(s);
    await h.assistant.close();
  });

  it('refreshes on confident partials at most every refreshMs, skips unchanged, and the final replaces them', async () => {
    const h = harness();
    const id = 'u9';
    const partial = (text: string, confidence: number | null = 0.9) =>
      h.assistant.onPartial({ utteranceId: id, text, speaker: 'caller', startMs: 0, endMs: 0, confidence });
    partial('教育財團法人的會址');
    partial('教育財團法人的會址一定要'); // within refreshMs
    h.tick(1500);
    partial('教育財團法人的會址一定要', 0.2); // not confident
    partial('教育財團法人的會址，'); // allowed, but same candidates → skipped
    h.tick(1500);
    partial('垃圾車的收運時間是幾點'); // allowed and changed
    const speculative = h.of('suggestion');
    expect(speculative.map((s) => s.speculative)).toEqual([true, true]);
    expect(speculative.map((s) => s.corrected_text)).toEqual([
      '教育財團法人的會址',
      '垃圾車的收運時間是幾點',
    ]);
    h.assistant.onFinal({
      utteranceId: id,
      text: '垃圾車的收運時間是幾點',
      speaker: 'caller',
      startMs: 0,
      endMs: 2000,
    });
    const last = h.of('suggestion').at(-1);
    expect(last).toMatchObject({ utterance_id: id, speculative: false });
    expect(h.of('suggestion')).toHaveLength(3);
    // A partial arriving after its final is ignored.
    h.tick(5000);
    partial('垃圾車的收運時間是幾點呢還有');
    expect(h.of('suggestion')).toHaveLength(3);
  });

  it('hands a question the KB cannot answer to an agency instead of guessing', () => {
    const h = harness();
    h.assistant.onFinal(h.say('我想問火星移民的簽證怎麼辦'));
    const s = h.of('suggestion')[0];
    expect(s?.tier).toBe('cold');
    expect(s?.cited_faq_ids).toEqual([]);
    if (s?.handoff?.phone) expect(s.reply_script).toContain(s.handoff.phone);
    else expect(s?.reply_script).toContain('承辦單位回覆您');
  });

  it('raises one alert per utterance and kind, from partials or the final, never for the agent', () => {
    const h = harness();
    h.assistant.onPartial({
      utteranceId: 'x',
      text: '失火了我家廚房整個燒起來了我出不去',
      speaker: 'caller',
      startMs: 0,
      endMs: 0,
      confidence: 0.9,
    });
    expect(h.of('alert')).toHaveLength(1);
    h.assistant.onFinal({
      utteranceId: 'x',
      text: '失火了我家廚房整個燒起來了我出不去，快派人來',
      speaker: 'caller',
      startMs: 0,
      endMs: 900,
    });
    h.assistant.onFinal({
      utteranceId: 'y',
      text: '請問是不是失火了',
      speaker: 'agent',
      startMs: 1000,
      endMs: 1900,
    });
    expect(h.of('alert')).toEqual([
      {
        type: 'alert',
        utterance_id: 'x',
        level: 'critical',
        category: 'fire_gas',
        protocol: '119',
        script: emergencyScript('fire_gas', '119'),
        reason: expect.stringContaining('失火'),
        text: '失火了我家廚房整個燒起來了我出不去',
      },
    ]);
  });

  it('answers an urgent final with the alert script instead of an FAQ hand-off', () => {
    const h = harness();
    h.assistant.onFinal(h.say('我想自殺，已經想很久了，今天特別嚴重。'));
    const [alert] = h.of('alert');
    const [s] = h.of('suggestion');
    expect(alert).toMatchObject({ category: 'suicide', protocol: '1925' });
    expect(s).toMatchObject({
      reply_script: alert?.script,
      urgent: { category: 'suicide', protocol: '1925' },
      handoff: null,
      cited_faq_ids: [],
    });
    expect(s?.reply_script).toContain('1925');
  });

  it('a newer question refreshes the panel even when its answer is the same', () => {
    const h = harness();
    h.assistant.onFinal(h.say(EDU.question));
    h.assistant.onFinal(h.say(EDU.question));
    const suggestions = h.of('suggestion');
    expect(suggestions.map((s) => s.utterance_id)).toEqual(['u1', 'u2']);
    expect(suggestions[1]?.reply_script).toBe(suggestions[0]?.reply_script);
  });

  it('looks a case up when the caller asks for its status with a number, and shows the card', async () => {
    const h = harness();
    h.assistant.onFinal(h.say('我想查一下我的案件進度'));
    expect(h.of('suggestion')[0]?.reply_script).toContain('案件編號');
    h.assistant.onFinal(h.say('案件編號是A1130012345'));
    await h.assistant.close();
    expect(h.of('tool_result')).toEqual([
      {
        type: 'tool_result',
        utterance_id: 'u2',
        tool: 'case_status',
        result: expect.objectContaining({
          found: true,
          case_no: 'A1130012345',
          status: '派工處理中',
          agency: '工務局',
        }),
      },
    ]);
    const answer = h.of('suggestion').at(-1);
    expect(answer).toMatchObject({ utterance_id: 'u2', tier: 'procedure', speculative: false });
    expect(answer?.reply_script).toContain('派工處理中');
  });

  it('drops the answer being written when the call is aborted: no card, no suggestion, closed at once', async () => {
    const call = new AbortController();
    let answerLookup: ((record: CaseRecord | null) => void) | undefined;
    const slowCaseSystem: CaseSystem = {
      lookup: () => new Promise<CaseRecord | null>((resolve) => (answerLookup = resolve)),
    };
    const h = harness({}, { caseSystem: slowCaseSystem, signal: call.signal });
    h.assistant.onFinal(h.say('我想查一下我的案件進度'));
    h.assistant.onFinal(h.say('案件編號是A1130012345'));
    const closed = h.assistant.close();
    expect(answerLookup).toBeDefined();
    call.abort();
    // Resolves although the case system has not answered.
    await closed;
    answerLookup?.({
      case_no: 'A1130012345',
      status: '派工處理中',
      agency: '工務局',
      summary: null,
      updated_at: new Date().toISOString(),
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(h.of('tool_result')).toEqual([]);
    expect(h.of('suggestion').map((s) => s.utterance_id)).toEqual(['u1']);
  });

  it('emits nothing after close', async () => {
    const h = harness();
    await h.assistant.close();
    h.assistant.onFinal(h.say(EDU.question));
    expect(h.events).toEqual([]);
  });
});

describe('call assistant with an LLM (local OpenAI-compatible test server)', () => {
  let llm: LlmTestServer;
  beforeAll(async () => {
    llm = await startLlmTestServer();
  });
  afterAll(() => llm.close());
  afterEach(() => {
    llm.requests.length = 0;
  });
  const withLlm = (timeoutMs = 2500) =>
    harness({
      suggest: { llmUrl: llm.url, llmModel: 'test-model', llmTimeoutMs: timeoutMs, refreshMs: 1000 },
    });
  const grounded = `是的，會址要設於主管機關所在地。[${EDU.id}]\n1. 相關問題可以電洽02-27208889分機6422或6426。[${EDU.id}]`;

  it('streams reply_delta events, then a validated llm suggestion with its citations', async () => {
    llm.queue({ kind: 'text', text: grounded, chunkChars: 5 });
    const h = withLlm();
    h.assistant.onFinal(h.say(EDU.question));
    await h.assistant.close();
    const deltas = h.of('reply_delta');
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.map((d) => d.delta).join('')).toBe(grounded);
    const s = h.of('suggestion');
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ source: 'llm', cited_faq_ids: [EDU.id], speculative: false });
    expect(s[0]?.reply_script).not.toContain('[tpe');
    expect(h.events.findIndex((e) => e.type === 'suggestion')).toBe(h.events.length - 1);
    const prompt = llm.requests[0]?.messages.map((m) => m.content).join('\n') ?? '';
    expect(prompt).toContain(EDU.id);
    expect(prompt).toContain(EDU.question);
    expect(prompt).toContain('民眾：');
    expect(llm.requests[0]?.tools?.[0]?.function.name).toBe('case_status');
  });

  it.each([
    [
      'a number the sources do not have',
      { kind: 'text', text: `會址要設於主管機關所在地，電話02-23456789。[${EDU.id}]` },
    ],
    ['a citation that was not given', { kind: 'text', text: '會址要設於主管機關所在地。[tpe2024-99999]' }],
    ['no citation at all', { kind: 'text', text: '會址要設於主管機關所在地。' }],
    ['a malformed stream', { kind: 'malformed', before: '是的，' }],
    ['an HTTP 500', { kind: 'http_error', status: 500 }],
  ] as const)('falls back to the grounded template on %s', async (_name, reply) => {
    llm.queue(reply);
    const h = withLlm();
    h.assistant.onFinal(h.say(EDU.question));
    await h.assistant.close();
    const s = h.of('suggestion');
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ source: 'template', cited_faq_ids: [EDU.id] });
    expect(unsupportedFacts(s[0]?.reply_script ?? '', [EDU.answer])).toEqual([]);
  });

  it('falls back when the model is too slow, within the configured total timeout', async () => {
    llm.queue({ kind: 'text', text: grounded, firstDelayMs: 2000 });
    const h = withLlm(300);
    const started = Date.now();
    h.assistant.onFinal(h.say(EDU.question));
    await h.assistant.close();
    expect(h.of('suggestion')[0]).toMatchObject({ source: 'template' });
    expect(Date.now() - started).toBeLessThan(1200);
    llm.queue({ kind: 'hang' });
    const h2 = withLlm(300);
    h2.assistant.onFinal(h2.say(EDU.question));
    await h2.assistant.close();
    expect(h2.of('suggestion')[0]).toMatchObject({ source: 'template' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('runs the case-status tool the model asks for and shows the card', async () => {
    llm.queue(
      { kind: 'tool_call', name: 'case_status', arguments: { case_no: 'A1130012345' } },
      { kind: 'text', text: '您的案件目前是派工處理中，由工務局處理。' },
    );
    const h = withLlm();
    h.assistant.onFinal(h.say('我報修的路燈案件編號A1130012345，現在處理到哪一步'));
    await new Promise((r) => setTimeout(r, 300));
    await h.assistant.close();
    expect(h.of('tool_result')[0]?.result).toMatchObject({ found: true, status: '派工處理中' });
    expect(h.of('suggestion')[0]).toMatchObject({
      source: 'llm',
      reply_script: '您的案件目前是派工處理中，由工務局處理。',
    });
    const second = llm.requests[1]?.messages ?? [];
    expect(second.at(-1)).toMatchObject({ role: 'tool' });
    expect(second.at(-1)?.content).toContain('派工處理中');
  });

  it('a newer final supersedes an answer still being written: no stale suggestion arrives later', async () => {
    llm.queue({ kind: 'text', text: grounded, firstDelayMs: 400 }, { kind: 'text', text: grounded });
    const h = withLlm();
    h.assistant.onFinal(h.say(EDU.question));
    h.assistant.onFinal(h.say(`${EDU.question}，我再確認一次`));
    await new Promise((r) => setTimeout(r, 700));
    await h.assistant.close();
    expect(h.of('suggestion').map((s) => s.utterance_id)).toEqual(['u2']);
  });
});
