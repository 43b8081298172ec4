import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { openStore, type Store } from '../store/index.js';
import { createKnowledgeService } from './service.js';
import { startEmbeddingsDouble, type EmbeddingsDouble } from './testing/embeddings-double.js';
import type { FaqEntry } from './types.js';

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
  {
    id: 'pool',
    question: '運動中心游泳池開放時間？',
    answer: '每日六點至二十二點。',
    agency: '體育局',
    tags: [],
  },
];

// The double's "meaning": a spring mattress is bulky furniture. No characters are shared with the entry.
const concepts = [['彈簧床', '大型家具'], ['悠遊卡'], ['游泳']];

describe('dense channel through an OpenAI-compatible /v1/embeddings endpoint (test double, not a model)', () => {
  let double: EmbeddingsDouble;
  let store: Store;
  beforeAll(async () => {
    double = await startEmbeddingsDouble(concepts);
    store = await openStore({});
  });
  afterAll(async () => {
    await store.close();
    await double.close();
  });

  it('embeds the entries once per text and lets a meaning-only match rank first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotline-emb-'));
    const config = loadConfig({
      env: {},
      overrides: { dataDir: dir, knowledge: { embeddingsUrl: double.url, embeddingsModel: 'bge-m3' } },
    });
    const knowledge = await createKnowledgeService({ store, config });
    await knowledge.importEntries('default', entries);
    expect(double.requests[0]).toEqual({
      model: 'bge-m3',
      input: entries.map((e) => `${e.question}\n${e.answer}`),
    });

    const lexical = knowledge.search('彈簧床要丟');
    expect(lexical.results.map((r) => r.faq_id)).not.toContain('bulky');
    const dense = await knowledge.searchAsync('彈簧床要丟');
    expect(dense.results[0]?.faq_id).toBe('bulky');

    // A re-import with one changed entry embeds only that entry's text.
    const before = double.requests.length;
    await knowledge.importEntries(
      'default',
      entries.map((e) => (e.id === 'pool' ? { ...e, answer: '每日八點至二十二點。' } : e)),
    );
    expect(double.requests.slice(before)).toEqual([
      { model: 'bge-m3', input: ['運動中心游泳池開放時間？\n每日八點至二十二點。'] },
    ]);
  });

  it('falls back to lexical + phonetic when the endpoint is down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotline-emb-down-'));
    const gone = await startEmbeddingsDouble(concepts);
    await gone.close();
    const config = loadConfig({
      env: {},
      overrides: { dataDir: dir, knowledge: { embeddingsUrl: gone.url } },
    });
    const downStore = await openStore({});
    try {
      const knowledge = await createKnowledgeService({ store: downStore, config });
      await knowledge.importEntries('default', entries);
      const result = await knowledge.searchAsync('悠遊卡掉了');
      expect(result.results[0]?.faq_id).toBe('card');
    } finally {
      await downStore.close();
    }
  });
});
