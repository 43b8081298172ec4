import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { createKnowledgeService } from '../knowledge/index.js';
import { denseConcepts, denseFixture } from '../knowledge/testing/dense-fixture.js';
import { startEmbeddingsDouble, type EmbeddingsDouble } from '../knowledge/testing/embeddings-double.js';
import { createCaseSystemRepository, openStore } from '../store/index.js';
import { createCallAssistantFactory, createCaseSystem } from './index.js';

describe('live calls with an embeddings endpoint (test double, not a model)', () => {
  let double: EmbeddingsDouble;
  beforeAll(async () => {
    double = await startEmbeddingsDouble(denseConcepts);
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
      await knowledge.importEntries('default', denseFixture);
      await expect
        .poll(async () => (await knowledge.searchAsync('彈簧床要丟')).results[0]?.faq_id)
        .toBe('bulky');
      const events: Array<{ type: string; faq_candidates?: Array<{ faq_id: string }> }> = [];
      const assistant = createCallAssistantFactory({
        knowledge,
        config,
        caseSystem: await createCaseSystem({ config, demoCases: () => createCaseSystemRepository(store) }),
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
