import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { openStore } from '../store/index.js';
import { createKnowledgeService } from './service.js';
import { startEmbeddingsDouble, type EmbeddingsDouble } from './testing/embeddings-double.js';
import { denseConcepts, denseFixture } from './testing/dense-fixture.js';

const entries = denseFixture;
const concepts = denseConcepts;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('dense retrieval through an OpenAI-compatible /v1/embeddings endpoint (test double, not a model)', () => {
  let double: EmbeddingsDouble;
  beforeAll(async () => {
    double = await startEmbeddingsDouble(concepts);
  });
  afterAll(() => double.close());

  const configFor = (dir: string, extra: Record<string, string> = {}) =>
    loadConfig({
      env: {},
      overrides: {
        dataDir: dir,
        knowledge: { embeddingsUrl: double.url, embeddingsModel: 'bge-m3', ...extra },
      },
    });

  it('embeds each passage once, stores the vectors, and ranks a meaning-only match by rank fusion', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotline-emb-'));
    const store = await openStore({ sqliteFile: join(dir, 'kb.db') });
    try {
      const first = double.requests.length;
      const knowledge = await createKnowledgeService({
        store,
        config: configFor(dir, { embeddingsQueryPrefix: 'query: ', embeddingsPassagePrefix: 'passage: ' }),
      });
      await knowledge.importEntries('default', entries);
      // Question, then the answer in chunks, each with the passage prefix.
      await expect.poll(() => double.requests.length).toBeGreaterThan(first);
      expect(double.requests[first]).toEqual({
        model: 'bge-m3',
        input: entries.flatMap((e) => [`passage: ${e.question}`, `passage: ${e.answer}`]),
      });

      const lexical = knowledge.search('彈簧床要丟');
      expect(lexical.results.map((r) => r.faq_id)).not.toContain('bulky');
      await expect
        .poll(async () => (await knowledge.searchAsync('彈簧床要丟')).results[0]?.faq_id)
        .toBe('bulky');
      expect(double.requests.at(-1)?.input).toEqual(['query: 彈簧床要丟']);

      // A re-import with one changed answer embeds only that answer; a restart embeds nothing.
      const before = double.requests.length;
      await knowledge.importEntries(
        'default',
        entries.map((e) => (e.id === 'pool' ? { ...e, answer: '每日八點至二十二點。' } : e)),
      );
      await expect.poll(() => double.requests.length).toBe(before + 1);
      expect(double.requests.at(-1)?.input).toEqual(['passage: 每日八點至二十二點。']);
      knowledge.close();
      const restarted = await createKnowledgeService({
        store,
        config: configFor(dir, { embeddingsQueryPrefix: 'query: ', embeddingsPassagePrefix: 'passage: ' }),
      });
      await expect
        .poll(async () => (await restarted.searchAsync('彈簧床要丟')).results[0]?.faq_id)
        .toBe('bulky');
      expect(double.requests.slice(before + 1).every((r) => r.input[0]?.startsWith('query: '))).toBe(true);
      restarted.close();
    } finally {
      await store.close();
    }
  });

  it('serves lexical results while the endpoint is down, and back-fills the vectors when it returns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotline-emb-down-'));
    const store = await openStore({ sqliteFile: join(dir, 'kb.db') });
    double.setDown(true);
    try {
      const knowledge = await createKnowledgeService({ store, config: configFor(dir), backfillMs: 50 });
      await knowledge.importEntries('default', entries);
      expect((await knowledge.searchAsync('悠遊卡掉了')).results[0]?.faq_id).toBe('card');
      expect((await knowledge.searchAsync('彈簧床要丟')).results.map((r) => r.faq_id)).not.toContain('bulky');
      await sleep(120);
      double.setDown(false);
      await expect
        .poll(async () => (await knowledge.searchAsync('彈簧床要丟')).results[0]?.faq_id, { timeout: 5000 })
        .toBe('bulky');
      knowledge.close();
    } finally {
      double.setDown(false);
      await store.close();
    }
  });
});
