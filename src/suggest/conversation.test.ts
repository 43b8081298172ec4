import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireShared, sharedPaths } from '../../test/shared.js';
import { startLlmTestServer, type LlmTestServer } from '../../test/llm-server/server.js';
import { loadConfig } from '../config/index.js';
import {
  createCaseSystemRepository,
  createConversationRepository,
  openStore,
  type Store,
} from '../store/index.js';
import { createDemoCaseSystem } from './case-system.js';
import { createConversationService, type ConversationService } from './conversation.js';
import { createKnowledgeDouble } from './testing/knowledge-double.js';
import { readFaqJsonl } from './testing/faq.js';

const faq = readFaqJsonl(requireShared(sharedPaths.faq));
const EDU = faq.find((e) => e.id === 'tpe2024-01949')!;

let llm: LlmTestServer;
let store: Store;
let service: ConversationService;
beforeAll(async () => {
  llm = await startLlmTestServer();
  store = await openStore({});
  service = createConversationService({
    knowledge: createKnowledgeDouble(faq),
    config: loadConfig({ env: {}, overrides: { suggest: { llmUrl: llm.url, llmTimeoutMs: 1000 } } }),
    caseSystem: createDemoCaseSystem(await createCaseSystemRepository(store)),
    repository: await createConversationRepository(store),
  });
});
afterAll(async () => {
  await llm.close();
  await store.close();
});

describe('text channel with an LLM (local OpenAI-compatible test server)', () => {
  it('answers with the validated LLM text, and with the template when the LLM invents a number', async () => {
    const { conversation_id } = await service.create();
    llm.queue({ kind: 'text', text: `會址要設於主管機關所在地。[${EDU.id}]` });
    const good = await service.query(conversation_id, EDU.question);
    expect(good).toMatchObject({
      source: 'llm',
      answer: '會址要設於主管機關所在地。',
      cited_faq_ids: [EDU.id],
      alerts: [],
    });

    llm.queue({ kind: 'text', text: `會址要設於主管機關所在地，規費500元。[${EDU.id}]` });
    const bad = await service.query(conversation_id, EDU.question);
    expect(bad.source).toBe('template');
    expect(bad.answer).not.toContain('500');
    expect(bad.answer).toContain('02-27208889分機6422');

    // The second question's prompt carries the first as conversation memory.
    const prompt = llm.requests[1]?.messages.map((m) => m.content).join('\n') ?? '';
    expect(prompt.split(EDU.question).length).toBeGreaterThan(2);
    const history = await service.history(conversation_id);
    expect(history.turns.filter((t) => t.role === 'assistant').map((t) => t.text)).toEqual([
      good.answer,
      bad.answer,
    ]);
  });

  it('answers someone in danger with the alert script and returns the alerts array', async () => {
    const { conversation_id } = await service.create();
    const urgent = await service.query(conversation_id, '我剛剛把一整罐安眠藥都吞下去了，現在好想睡。');
    expect(urgent.alerts).toEqual([
      { level: 'critical', category: 'overdose', protocol: '119', script: expect.stringContaining('119') },
    ]);
    expect(urgent).toMatchObject({ answer: urgent.alerts[0]?.script, cited_faq_ids: [], handoff: null });
    expect(llm.requests.length).toBe(2); // no LLM round for an emergency
  });
});
