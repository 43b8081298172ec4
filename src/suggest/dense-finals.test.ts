import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { createKnowledgeService, type FaqEntry } from '../knowledge/index.js';
import { startEmbeddingsDouble, type EmbeddingsDouble } from '../knowledge/testing/embeddings-double.js';
import { openStore } from '../store/index.js';
import { createCallAssistantFactory, createCaseSystem } from './index.js';

const entries: FaqEntry[] = [
  {
    id: 'bulky',
    question: '大型家具如何預約清運？',
    answer: '請撥打清潔隊電話預約。',
    agency: '環境保護局',
    tags: [],
  },
  {
    id: 'card',
    question: '悠遊卡遺失該怎麼辦？',
    answer: '請向悠遊卡公司辦理掛失。',
    agency: '交通局',
    tags: [],
  },
];

describe('live calls with an embeddings endpoint (test double, not a model)', () => {
  let double: EmbeddingsDouble;
  beforeAll(async () => {
    // The double's "meaning": a spring mattress is bulky furniture; no characters are shared.
    double = await startEmbeddingsDouble([['彈簧床', '大型家具'], ['悠遊卡']]);
  });
  afterAll(() => double.close());

  it('answers a final with the dense channel', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotline-emb-call-'));
    const store = await openStore({ sqliteFile: join(dir, 'kb.db') });
    const config = loadConfig({
      env: {},
      overrides: { dataDir: dir, knowledge: { embeddingsUrl: double.url, embeddingsModel: 'bge-m3' } },
    });
    try {
      const knowledge = await createKnowledgeService({ store, config });
      await knowledge.importEntries('default', entries);
      await expect
        .poll(async () => (await knowledge.searchAsync('彈簧床要丟')).results[0]?.faq_id)
        .toBe('bulky');
      const events: Array<{ type: string; faq_candidates?: Array<{ faq_id: string }> }> = [];
      const assistant = createCallAssistantFactory({
        knowledge,
        config,
        caseSystem: await createCaseSystem({ config, store }),
      })({ caseId: 'c1', emit: (e) => events.push(e) });
      assistant.onFinal({
        utteranceId: 'u1',
        text: '家裡的彈簧床要丟',
        speaker: 'caller',
        startMs: 0,
        endMs: 2000,
      });
      await assistant.close();
      expect(events.find((e) => e.type === 'suggestion')?.faq_candidates?.[0]?.faq_id).toBe('bulky');
      knowledge.close();
    } finally {
      await store.close();
    }
  });
});
