import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_DATA_DIR, loadConfig, type Config } from '../config/index.js';
import { openStore, type Store } from '../store/index.js';
import { readSeed } from './seed.js';
import { createKnowledgeService, type KnowledgeAudit, type KnowledgeService } from './service.js';
import type { FaqEntry } from './types.js';

const entries: FaqEntry[] = [
  {
    id: 'senior',
    question: '敬老卡遺失如何補發？',
    answer: '請攜帶身分證至區公所申請補發。',
    agency: '社會局',
    tags: [],
  },
  {
    id: 'easy',
    question: '悠遊卡遺失如何掛失？',
    answer: '請洽悠遊卡公司客服。',
    agency: '交通局',
    tags: [],
  },
  {
    id: 'ntl',
    question: '國民年金保費如何繳納？',
    answer: '可至超商或銀行繳納。',
    agency: '社會局',
    tags: [],
  },
];
const words = '我阿嬤那張坐公車半價的卡片不見了';
const actor = { id: 'agent-7', role: 'agent', source: '127.0.0.1' };

function configFor(dir: string, learnAfterAdoptions = 1): Config {
  return loadConfig({ env: {}, overrides: { dataDir: dir, knowledge: { learnAfterAdoptions } } });
}

/** The audit log as the knowledge stage writes to it, kept in memory (a test double of the archive's). */
function auditDouble(): KnowledgeAudit & { actions: string[] } {
  const actions: string[] = [];
  return { actions, append: async (e) => actions.push(`${e.action} ${e.targetId} by ${e.actorId}`) };
}

describe('learning from agents', () => {
  let dir: string;
  let store: Store;
  let knowledge: KnowledgeService;
  const audit = auditDouble();
  const rank = (k: KnowledgeService, q = words) =>
    k.search(q).results.findIndex((r) => r.faq_id === 'senior');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hotline-learn-'));
    store = await openStore({ sqliteFile: join(dir, 'kb.db') });
    knowledge = await createKnowledgeService({ store, config: configFor(dir), audit });
    await knowledge.importEntries('default', entries);
  });
  afterAll(() => store.close());

  it('turns an adopted card into a searched similar question, listed and audited', async () => {
    expect(rank(knowledge)).not.toBe(0);
    const row = await knowledge.feedback(
      { kb: 'default', entryId: 'senior', text: words, action: 'adopted' },
      actor,
    );
    expect(row).toMatchObject({ entry_id: 'senior', adoptions: 1, status: 'learned' });
    const top = knowledge.search(words).results[0];
    expect(top).toMatchObject({ faq_id: 'senior', phrasing: words });
    expect(knowledge.learned('default').map((r) => r.text)).toEqual([words]);
    expect(audit.actions).toContain('kb.feedback.adopted default/senior by agent-7');
  });

  it('keeps what it learned across a restart and a new KB version', async () => {
    const restarted = await createKnowledgeService({ store, config: configFor(dir) });
    expect(rank(restarted)).toBe(0);
    await restarted.importEntries('default', [
      ...entries,
      { id: 'x', question: '路燈壞了找誰？', answer: '工務局。', agency: '工務局', tags: [] },
    ]);
    expect(rank(restarted)).toBe(0);
  });

  it('forgets a removed similar question, and demotes an entry agents rejected for such words', async () => {
    const [learned] = knowledge.learned('default');
    await knowledge.setLearnedStatus('default', learned?.id ?? '', 'removed', actor);
    expect(rank(knowledge)).not.toBe(0);
    expect(audit.actions).toContain('kb.learned.remove default/senior by agent-7');

    const question = '我的悠遊卡不見了要怎麼辦';
    const scoreOf = () => knowledge.search(question).results.find((r) => r.faq_id === 'easy')?.score ?? 0;
    const before = scoreOf();
    await knowledge.feedback({ kb: 'default', entryId: 'easy', text: question, action: 'rejected' }, actor);
    expect(scoreOf()).toBeLessThan(before / 2);
    // A near-identical utterance is demoted too; an unrelated one is not.
    const similar =
      knowledge.search('我的悠遊卡不見了怎麼辦').results.find((r) => r.faq_id === 'easy')?.score ?? 0;
    expect(similar).toBeLessThan(before / 2);
    expect(
      knowledge.search('悠遊卡可以退卡嗎').results.find((r) => r.faq_id === 'easy')?.score,
    ).toBeGreaterThan(0);
  });

  it('waits for N adoptions (or an editor) when configured, and refuses feedback on unknown entries', async () => {
    const other = mkdtempSync(join(tmpdir(), 'hotline-learn2-'));
    const s = await openStore({ sqliteFile: join(other, 'kb.db') });
    const k = await createKnowledgeService({ store: s, config: configFor(other, 2) });
    await k.importEntries('default', entries);
    const once = await k.feedback({ kb: 'default', entryId: 'senior', text: words, action: 'adopted' });
    expect(once.status).toBe('pending');
    expect(rank(k)).not.toBe(0);
    const twice = await k.feedback({
      kb: 'default',
      entryId: 'senior',
      text: `${words}。`,
      action: 'adopted',
    });
    expect(twice).toMatchObject({ id: once.id, adoptions: 2, status: 'learned' });
    expect(rank(k)).toBe(0);
    await expect(
      k.feedback({ kb: 'default', entryId: 'nope', text: words, action: 'adopted' }),
    ).rejects.toMatchObject({
      code: 'unknown_entry',
    });
    await s.close();
  });
});

describe('replaying adoptions on the Taipei KB', () => {
  it('raises recall on other callers asking the same things', { timeout: 120_000 }, async () => {
    // One caller phrasing per entry is adopted, another caller's phrasing of the same entry is asked:
    // the similar-questions layer is left out so only what agents taught can help.
    const shipped = readSeed(join(BUNDLED_DATA_DIR, 'taipei-faq'));
    const picked = shipped.filter((e, i) => i % 40 === 0 && (e.phrasings?.length ?? 0) >= 2);
    const bare = shipped.map(({ phrasings: _p, ...e }) => e);
    const dir = mkdtempSync(join(tmpdir(), 'hotline-replay-'));
    const store = await openStore({ sqliteFile: join(dir, 'kb.db') });
    const k = await createKnowledgeService({ store, config: configFor(dir) });
    await k.importEntries('default', bare, { keepPhrasings: false });
    const asked = picked.map((e) => ({ id: e.id, query: e.phrasings?.[1]?.text ?? '' }));
    const recall3 = () =>
      asked.filter((q) => k.search(q.query, { k: 3 }).results.some((r) => r.faq_id === q.id)).length /
      asked.length;
    const before = recall3();
    for (const e of picked) {
      await k.feedback({
        kb: 'default',
        entryId: e.id,
        text: e.phrasings?.[0]?.text ?? '',
        action: 'adopted',
      });
    }
    const after = recall3();
    console.info(
      `[knowledge] replayed ${picked.length} adoptions: R@3 on other callers' phrasings ${before.toFixed(2)} → ${after.toFixed(2)}`,
    );
    expect(after).toBeGreaterThan(before + 0.05);
    await store.close();
  });
});
