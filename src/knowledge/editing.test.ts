import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_DATA_DIR, loadConfig } from '../config/index.js';
import { openStore, type Store } from '../store/index.js';
import { readSeed } from './seed.js';
import { createKnowledgeService, type KnowledgeService } from './service.js';
import type { FaqEntry } from './types.js';

/** The city's FAQ file as it publishes it: no similar questions in it. */
const cityLines = readFileSync(join(BUNDLED_DATA_DIR, 'taipei-faq', 'faq-2024.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .slice(0, 120);
const shipped = new Map(readSeed(join(BUNDLED_DATA_DIR, 'taipei-faq')).map((e) => [e.id, e]));
const texts = (entry: FaqEntry | null) => (entry?.phrasings ?? []).map((p) => p.text);

describe('importing a FAQ file without similar questions (API and CLI path)', () => {
  let store: Store;
  let knowledge: KnowledgeService;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotline-kb-import-'));
    store = await openStore({ sqliteFile: join(dir, 'kb.db') });
    knowledge = await createKnowledgeService({
      store,
      config: loadConfig({ env: {}, overrides: { dataDir: dir, knowledge: { seed: '' } } }),
    });
  });
  afterAll(async () => {
    await store.close();
  });

  it('gives each entry the shipped similar questions written for its wording, whatever its id', async () => {
    // Renumbered, as another export of the same FAQ would be; one answer edited since.
    const records = cityLines.map((line, i) => ({
      ...(JSON.parse(line) as FaqEntry),
      id: `city-${i}`,
      ...(i === 0 ? { answer: '本答案已更新。' } : {}),
    }));
    await knowledge.import('city', records.map((r) => JSON.stringify(r)).join('\n'));
    const original = (i: number) => shipped.get((JSON.parse(cityLines[i] as string) as FaqEntry).id);

    expect(texts(knowledge.entry('city', 'city-0'))).toEqual([]);
    let withPhrasings = 0;
    for (let i = 1; i < records.length; i++) {
      const want = texts(original(i) ?? null);
      expect(texts(knowledge.entry('city', `city-${i}`)), `city-${i}`).toEqual(want);
      if (want.length) withPhrasings++;
    }
    expect(withPhrasings).toBeGreaterThan(100);
    // …and retrieval finds an entry by a caller's wording that only its similar questions carry.
    const entry = original(1);
    const phrasing = entry?.phrasings?.[0]?.text ?? '';
    expect(knowledge.search(phrasing, { kb: 'city' }).results[0]?.faq_id).toBe('city-1');
  });

  it('keeps the similar questions an entry has when the file is imported again; an edited one goes to review', async () => {
    const first = JSON.parse(cityLines[1] as string) as FaqEntry;
    const second = JSON.parse(cityLines[2] as string) as FaqEntry;
    await knowledge.import('again', [first, second].map((e) => JSON.stringify(e)).join('\n'));
    await knowledge.addPhrasings('again', first.id, ['我家門口那個要怎麼辦啦']);
    const before = texts(knowledge.entry('again', first.id));
    expect(before).toContain('我家門口那個要怎麼辦啦');

    const edited = { ...second, answer: `${second.answer}（已更新）` };
    await knowledge.import('again', [first, edited].map((e) => JSON.stringify(e)).join('\n'));
    expect(texts(knowledge.entry('again', first.id))).toEqual(before);
    const stale = knowledge.entry('again', second.id)?.phrasings ?? [];
    expect(stale.length).toBeGreaterThan(0);
    expect(stale.every((p) => p.status === 'review')).toBe(true);

    // Asked for exactly the file's content: none.
    await knowledge.import('again', JSON.stringify(first), { keepPhrasings: false });
    expect(texts(knowledge.entry('again', first.id))).toEqual([]);
  });
});
