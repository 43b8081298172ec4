import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config, BUNDLED_DATA_DIR } from '../config/index.js';
import { openStore, type Store } from '../store/index.js';
import { requireShared, sharedPaths } from '../../test/shared.js';
import { buildCallQuery } from './call-query.js';
import { createTextNormalizer } from '../text/index.js';
import { goldExpander, type EvalQuery } from './evaluate.js';
import { createKnowledgeService, type KnowledgeService } from './service.js';
import type { FaqEntry, KbUpdate } from './types.js';

const fixture: FaqEntry[] = [
  {
    id: 'g1',
    question: '信義區垃圾車收運時間及路線如何查詢？',
    answer: '請至環保局網站查詢各區垃圾車路線與時間。',
    agency: '環境保護局',
    tags: [],
  },
  {
    id: 'g2',
    question: '大型家具如何預約清運？',
    answer: '請撥打清潔隊電話預約。',
    agency: '環境保護局',
    tags: [],
  },
  {
    id: 'c1',
    question: '悠遊卡遺失該怎麼辦？',
    answer: '請向悠遊卡公司辦理掛失。',
    agency: '交通局',
    tags: [],
  },
  {
    id: 's1',
    question: '如何申請低收入戶？',
    answer: '請向戶籍地區公所社會課申請。',
    agency: '社會局',
    tags: [],
  },
  {
    id: 's2',
    question: '中低收入老人生活津貼如何申請？',
    answer: '年滿65歲可向區公所申請。',
    agency: '社會局',
    tags: [],
  },
  {
    id: 'm1',
    question: '捷運站內可以飲食嗎？',
    answer: '捷運付費區內禁止飲食。',
    agency: '捷運公司',
    tags: [],
  },
];

function jsonl(entries: readonly FaqEntry[]): string {
  return entries.map((e) => JSON.stringify(e)).join('\n');
}

function configFor(dir: string, seed?: string): Config {
  return loadConfig({
    env: {},
    overrides: {
      dataDir: dir,
      text: { lexiconDir: sharedPaths.lexiconDir },
      knowledge: seed ? { seed } : {},
    },
  });
}

describe('knowledge service', () => {
  let dir: string;
  let store: Store;
  let knowledge: KnowledgeService;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hotline-kb-'));
    const seed = join(dir, 'seed.jsonl');
    writeFileSync(seed, jsonl(fixture));
    store = await openStore({ sqliteFile: join(dir, 'kb.db') });
    knowledge = await createKnowledgeService({ store, config: configFor(dir, seed) });
  });
  afterAll(async () => {
    await store.close();
  });

  it('seeds the empty default KB at first start and reloads it from the store on the next', async () => {
    expect(knowledge.kbs()).toEqual([{ kb: 'default', version: 1, entries: fixture.length }]);
    const otherSeed = join(dir, 'other.jsonl');
    writeFileSync(otherSeed, jsonl(fixture.slice(0, 1)));
    const again = await createKnowledgeService({ store, config: configFor(dir, otherSeed) });
    expect(again.kbs()).toEqual([{ kb: 'default', version: 1, entries: fixture.length }]);
  });

  it('answers a spoken question confidently, with a 0..1 score and what matched', () => {
    const result = knowledge.search('喂你好，我想問一下悠遊卡掉了要怎麼辦');
    expect(result.results[0]?.faq_id).toBe('c1');
    expect(result.tier).toBe('hot');
    expect(result.handoff).toBeNull();
    expect(result.results[0]?.matched).toEqual(expect.arrayContaining(['悠遊卡', '遺失']));
    for (const r of result.results) {
      expect(r.score).toBeGreaterThan(0);
      expect(r.score).toBeLessThanOrEqual(1);
    }
  });

  it('finds the entry through a homophone recognition error and says which sounds matched', () => {
    const result = knowledge.search('新義區的垃圾車幾點會來', { minScore: 0 });
    expect(result.results[0]?.faq_id).toBe('g1');
    expect(result.results[0]?.matched).toContain('新義≈信義 (xin yi)');
  });

  it('routes questions the KB cannot answer to a responsible agency, never to the 1999 line itself', () => {
    const result = knowledge.search('明天台北會不會下雨');
    expect(result.tier).toBe('cold');
    expect(result.results.every((r) => r.tier === 'cold' && r.confidence < 0.5)).toBe(true);
    // The caller is on the 1999 line: at worst a transfer inside it, to a named unit.
    expect(result.handoff?.agency).toMatch(/^臺北市民當家熱線（轉.+）$|^臺北市政府/);
  });

  it('sends case-status questions to the procedure tier', () => {
    expect(knowledge.search('我上禮拜申請的低收入戶現在進度到哪了').tier).toBe('procedure');
  });

  it('filters by agency and gives that agency as the hand-off', () => {
    const result = knowledge.search('怎麼申請', { agency: '社會局', minScore: 0 });
    expect(result.results.length).toBeGreaterThan(0);
    expect(result.results.every((r) => r.agency === '社會局')).toBe(true);
    expect(knowledge.agencyContact('交通局')).toMatchObject({
      agency: '臺北市政府交通局',
      phone: '(02)2720-8889',
    });
    // The contact list has 社會局 units but no 社會局 head office: 1999 transfers the caller.
    expect(knowledge.agencyContact('社會局')).toBeNull();
    const cold = knowledge.search('明天會不會下雨', { agency: '社會局' });
    expect(cold.tier).toBe('cold');
    expect(cold.handoff).toMatchObject({
      agency: '臺北市民當家熱線（轉社會局）',
      phone: expect.stringContaining('1999'),
    });
  });

  it('uses earlier utterances of the call, weighted below the latest', () => {
    const parts = buildCallQuery([
      { text: '我住在信義區', speaker: 'caller' },
      { text: '好的請說', speaker: 'agent' },
      { text: '垃圾車幾點來', speaker: 'caller' },
    ]);
    expect(parts.map((p) => p.weight)).toEqual([0.36, 0.3, 1]);
    expect(knowledge.search(parts, { minScore: 0 }).results[0]?.faq_id).toBe('g1');
  });

  it('imports a changed file as a new version, swaps it in and tells subscribers after the swap', async () => {
    const updates: Array<KbUpdate & { seen: string | undefined }> = [];
    const off = knowledge.onUpdated((u) => updates.push({ ...u, seen: knowledge.entry(u.kb, 'm1')?.answer }));
    const changed = fixture
      .map((e) => (e.id === 'm1' ? { ...e, answer: '捷運付費區內禁止飲食，違者罰款。' } : e))
      .filter((e) => e.id !== 'g2');
    const pending = knowledge.import('default', jsonl(changed), { note: 'weekly update' });
    // Searches during the import still see the old version.
    expect(knowledge.search('捷運可以吃東西嗎').kb_version).toBe(1);
    const result = await pending;
    off();
    expect(result.version).toMatchObject({
      version: 2,
      added: 0,
      changed: 1,
      removed: 1,
      note: 'weekly update',
    });
    expect(updates).toEqual([{ kb: 'default', version: 2, seen: '捷運付費區內禁止飲食，違者罰款。' }]);
    expect(knowledge.search('捷運可以吃東西嗎').kb_version).toBe(2);
    expect(knowledge.entry('default', 'g2')).toBeNull();

    const same = await knowledge.import('default', jsonl(changed));
    expect(same.created).toBe(false);
  });

  it('rejects a bad import whole, with the line, and keeps the active version', async () => {
    const before = knowledge.kbs();
    const body = `${JSON.stringify(fixture[0])}\n{"id":"x","answer":"no question"}`;
    await expect(knowledge.import('default', body)).rejects.toMatchObject({
      code: 'invalid_import',
      message: expect.stringContaining('line 2'),
    });
    expect(knowledge.kbs()).toEqual(before);
  });

  it('creates, updates and deletes entries as versions, and rolls back', async () => {
    const created = await knowledge.createEntry('default', {
      id: 'n1',
      question: '路燈不亮要找誰報修？',
      answer: '請撥1999報修。',
      agency: '工務局',
      tags: [],
    });
    expect(knowledge.search('路燈壞了不亮', { minScore: 0 }).results[0]?.faq_id).toBe('n1');
    await expect(knowledge.createEntry('default', { ...fixture[0]!, id: 'n1' })).rejects.toMatchObject({
      code: 'duplicate_entry',
    });
    await knowledge.updateEntry('default', 'n1', { answer: '請撥1999或上網報修。' });
    expect(knowledge.entry('default', 'n1')?.answer).toBe('請撥1999或上網報修。');
    await knowledge.deleteEntry('default', 'n1');
    await expect(knowledge.deleteEntry('default', 'n1')).rejects.toMatchObject({ code: 'unknown_entry' });
    const back = await knowledge.rollback('default', created.version);
    expect(back.kind).toBe('rollback');
    expect(knowledge.entry('default', 'n1')?.answer).toBe('請撥1999報修。');
    const versions = await knowledge.versions('default');
    expect(versions[0]).toMatchObject({ version: back.version, restored_from: created.version });
    await expect(knowledge.rollback('default', 99)).rejects.toMatchObject({ code: 'unknown_version' });
    expect(() => knowledge.search('x', { kb: 'nope' })).toThrow(
      expect.objectContaining({ code: 'unknown_kb' }),
    );
  });

  it('mines domain terms for the lexicon and hot-words', () => {
    const terms = knowledge.terms();
    expect(terms).toEqual(expect.arrayContaining(['臺北市', '悠遊卡', '低收入戶']));
  });
});

describe('knowledge service on the shipped Taipei KB (FAQ + similar questions), through the text stage', () => {
  let store: Store;
  let knowledge: KnowledgeService;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotline-kb-tp-'));
    store = await openStore({ sqliteFile: join(dir, 'kb.db') });
    const config = configFor(dir, join(BUNDLED_DATA_DIR, 'taipei-faq'));
    knowledge = await createKnowledgeService({ store, config, text: await createTextNormalizer({ config }) });
  }, 120_000);
  afterAll(async () => {
    await store.close();
  });

  it('imports 4,847 entries with their similar questions and finds an entry through a homophone error', () => {
    expect(knowledge.kbs()[0]?.entries).toBe(4847);
    const result = knowledge.search('新義親子館的開放時間');
    expect(result.results[0]?.question).toContain('信義親子館開放時間');
    expect(result.results[0]?.matched).toContain('新義≈信義 (xin yi)');
  });

  it('always shows the top cards with a calibrated confidence, and names the similar question that matched', () => {
    const result = knowledge.search('我家舊沙發要丟要怎麼叫人來收');
    expect(result.results).toHaveLength(5);
    expect(result.results[0]?.question).toContain('巨大垃圾');
    expect(result.results[0]?.phrasing).toBeTruthy();
    const confidences = result.results.map((r) => r.confidence);
    expect(confidences.every((c) => c >= 0 && c <= 1)).toBe(true);
    expect([...confidences].sort((x, y) => y - x)).toEqual(confidences);
  });

  it('reads Simplified recognizer text like Traditional', () => {
    const traditional = knowledge.search('我家的舊電腦不要了可以給資源回收車收嗎').results[0]?.faq_id;
    expect(knowledge.search('我家的旧电脑不要了可以给资源回收车收吗').results[0]?.faq_id).toBe(traditional);
  });

  it('hands a cold question to the unit that maintains the entries it is about, or a transfer inside 1999', () => {
    const handoff = (q: string) => {
      const result = knowledge.search(q);
      expect(result.tier, q).toBe('cold');
      return result.handoff;
    };
    // Every 育兒津貼 entry is maintained by this 社會局 unit (not 老人福利科).
    expect(handoff('育兒津貼這個月怎麼還沒有入帳')).toMatchObject({
      agency: '臺北市政府社會局婦女福利及兒童托育科',
      phone: '(02)2720-8889轉1622',
      hours: expect.stringContaining('星期一至星期五'),
    });
    // A unit of 臺北自來水事業處 that has no record of its own: the office above it.
    expect(handoff('我家巷口的水管一直在漏水要怎麼報修')).toMatchObject({
      agency: '臺北自來水事業處',
      phone: '(02)8733-5678',
    });
    // Nothing answers a weather question: still a named agency, never the caller's own 1999 line.
    const weather = handoff('明天台北會不會下雨啊');
    expect(weather).not.toBeNull();
    expect(weather?.agency).not.toBe('臺北市民當家熱線');
  });

  it('answers the authored caller questions right when hot and keeps the unanswerable cold', () => {
    const queries = readFileSync(join(import.meta.dirname, 'testing/caller-questions.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as EvalQuery);
    const answerable = queries.filter((q) => q.gold_ids.length);
    const outcomes = answerable.map((q) => ({ q, r: knowledge.search(q.query, { k: 3 }) }));
    const found = outcomes.filter(({ q, r }) => r.results.some((c) => q.gold_ids.includes(c.faq_id)));
    const hot = outcomes.filter(({ r }) => r.tier === 'hot');
    const hotRight = hot.filter(({ q, r }) => q.gold_ids.includes(r.results[0]?.faq_id ?? ''));
    expect(found.length / answerable.length).toBeGreaterThanOrEqual(0.95);
    // Hot is kept for near-certain answers (calibrated confidence ≥ 0.75): measured 4 of 23, all right.
    expect(hot.length / answerable.length).toBeGreaterThanOrEqual(0.15);
    expect(hotRight.length / hot.length).toBeGreaterThanOrEqual(0.9);
    for (const q of queries.filter((x) => !x.gold_ids.length)) {
      expect(knowledge.search(q.query).tier, q.query).toBe('cold');
    }
  });

  it('meets the realistic caller dev set: recall per kind, hot answers right, out-of-scope not hot', () => {
    const dev = readFileSync(requireShared(join(sharedPaths.devDir, 'taipei_spoken.dev.jsonl')), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as EvalQuery);
    const expand = goldExpander(knowledge.entries('default'));
    const outcomes = dev.map((q) => ({ q, r: knowledge.search(q.query) }));
    const recall3 = (kind: string) => {
      const mine = outcomes.filter(({ q }) => q.kind === kind);
      const hits = mine.filter(({ q, r }) =>
        r.results.slice(0, 3).some((c) => expand(q.gold_ids).has(c.faq_id)),
      );
      return hits.length / mine.length;
    };
    const hot = outcomes.filter(({ q, r }) => q.gold_ids.length && r.tier === 'hot');
    const hotRight = hot.filter(({ q, r }) => expand(q.gold_ids).has(r.results[0]?.faq_id ?? ''));
    const outOfScope = outcomes.filter(({ q }) => q.kind === 'out_of_scope');
    console.info(
      `[knowledge] realistic dev set: spoken R@3 ${recall3('spoken').toFixed(2)}, asr_noisy R@3 ${recall3('asr_noisy').toFixed(2)}, ` +
        `hot ${hot.length} (${hotRight.length} right), out-of-scope hot ${outOfScope.filter(({ r }) => r.tier === 'hot').length}/${outOfScope.length}`,
    );
    // Issue targets: spoken ≥ 0.80, with recognition errors ≥ 0.70, hot ≥ 90% right, ≤ 10% out-of-scope hot.
    expect(recall3('spoken')).toBeGreaterThanOrEqual(0.8);
    expect(recall3('asr_noisy')).toBeGreaterThanOrEqual(0.7);
    expect(hotRight.length / hot.length).toBeGreaterThanOrEqual(0.9);
    expect(outOfScope.filter(({ r }) => r.tier === 'hot').length / outOfScope.length).toBeLessThanOrEqual(
      0.1,
    );
  });
});
