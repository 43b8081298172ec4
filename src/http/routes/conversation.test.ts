import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { requireShared, sharedPaths } from '../../../test/shared.js';
import { createLogger, loadConfig } from '../../config/index.js';
import {
  createCaseSystemRepository,
  createConversationRepository,
  openStore,
  type Store,
} from '../../store/index.js';
import { createConversationService, createDemoCaseSystem } from '../../suggest/index.js';
import { createKnowledgeDouble } from '../../suggest/testing/knowledge-double.js';
import { readFaqJsonl } from '../../suggest/testing/faq.js';
import { createHttpServer } from '../server.js';
import { conversationRoutes } from './conversation.js';

const faq = readFaqJsonl(requireShared(sharedPaths.faq));
const contacts = Object.fromEntries(
  [...new Set(faq.map((e) => e.agency))].map((a) => [
    a,
    { agency: `臺北市政府${a}`, phone: '(02)2720-8889', hours: '週一至週五8:30~17:30' },
  ]),
);

let app: FastifyInstance;
let store: Store;
beforeAll(async () => {
  const config = loadConfig({ env: {} });
  store = await openStore({});
  const cases = await createCaseSystemRepository(store);
  await cases.upsert({ case_no: 'A1130012345', status: '派工處理中', agency: '工務局' });
  const conversations = createConversationService({
    knowledge: createKnowledgeDouble(faq, contacts),
    config,
    caseSystem: createDemoCaseSystem(cases),
    repository: await createConversationRepository(store),
  });
  app = await createHttpServer({ config, logger: createLogger('silent') });
  // Stands in for the auth plugin: every request comes from one service token (ownership is
  // tested over the full app in test/security).
  app.addHook('onRequest', async (request) => {
    request.principal = { id: 'token:chatbot', role: 'service', kind: 'token' };
  });
  await app.register(conversationRoutes, { conversations, audit: async () => undefined });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await store.close();
});

const post = (url: string, payload?: unknown) =>
  app.inject({ method: 'POST', url, payload: payload as object });

describe('text channel', () => {
  it('answers from the KB, remembers the conversation, and hands cold questions off', async () => {
    const created = await post('/api/conversation');
    expect(created.statusCode).toBe(201);
    const { conversation_id } = created.json() as { conversation_id: string };

    const entry = faq.find((e) => e.id === 'tpe2024-01949')!;
    const hot = await post('/api/query', { conversation_id, text: entry.question });
    expect(hot.statusCode).toBe(200);
    const body = hot.json();
    expect(body).toMatchObject({ tier: 'hot', handoff: null, cited_faq_ids: [entry.id] });
    // The same cards a call's suggestion shows, and the router's agency.
    expect(body.faq_candidates[0]).toMatchObject({
      faq_id: entry.id,
      agency: entry.agency,
      tier: 'hot',
      confidence: expect.any(Number),
    });
    expect(body.agency).toMatchObject({ agency: expect.any(String), confidence: expect.any(Number) });
    expect(body.answer).toContain('02-27208889分機6422');

    // A case number alone only means something because of the question before it.
    const ask = (await post('/api/query', { conversation_id, text: '我想查一下我的案件進度' })).json();
    expect(ask.answer).toContain('案件編號');
    const status = (await post('/api/query', { conversation_id, text: 'A1130012345' })).json();
    expect(status.case_status).toMatchObject({ found: true, status: '派工處理中' });
    expect(status.answer).toContain('派工處理中');

    expect(body.alerts).toEqual([]);
    // Someone in danger on the text channel: the same alerts a call raises, and their script.
    const other = (await post('/api/conversation')).json() as { conversation_id: string };
    const urgent = (
      await post('/api/query', {
        conversation_id: other.conversation_id,
        text: '隔壁一直有燒焦的味道 門縫在冒煙 按電鈴都沒有人應',
      })
    ).json();
    expect(urgent.alerts).toEqual([
      { level: 'critical', category: 'fire_gas', protocol: '119', script: expect.stringContaining('119') },
    ]);
    expect(urgent.answer).toBe(urgent.alerts[0].script);

    const cold = (await post('/api/query', { conversation_id, text: '我想問火星移民的簽證怎麼辦' })).json();
    expect(cold.tier).toBe('cold');
    expect(cold.handoff).toMatchObject({ phone: '(02)2720-8889' });
    expect(cold.answer).toContain('(02)2720-8889');
    expect(cold.cited_faq_ids).toEqual([]);

    const history = await app.inject({ method: 'GET', url: `/api/conversation/${conversation_id}/history` });
    expect(history.statusCode).toBe(200);
    const turns = history.json().turns as Array<{ role: string; text: string }>;
    expect(turns.map((t) => t.role)).toEqual(Array(4).fill(['user', 'assistant']).flat());
    expect(turns[4]?.text).toBe('A1130012345');
  });

  it('refuses unknown conversations and bad bodies with stable codes, storing nothing', async () => {
    const unknown = await post('/api/query', { conversation_id: 'nope', text: '垃圾車幾點來' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: { code: 'unknown_conversation', message: expect.any(String) } });
    const { conversation_id } = (await post('/api/conversation')).json() as { conversation_id: string };
    const empty = await post('/api/query', { conversation_id, text: '   ' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('invalid_text');
    const missing = await post('/api/query', { conversation_id });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe('invalid_body');
    const history = await app.inject({ method: 'GET', url: `/api/conversation/${conversation_id}/history` });
    expect(history.json().turns).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/api/conversation/nope/history' })).statusCode).toBe(404);
  });
});
