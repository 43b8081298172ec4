/**
 * The suggestion stage over the real knowledge service, the shipped Taipei KB (4,847 entries and their
 * similar questions) and the real text stage, as the app wires them.
 */
import { emergencyScript } from './urgency-protocols.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireShared, sharedPaths } from '../../test/shared.js';
import { BUNDLED_DATA_DIR, loadConfig } from '../config/index.js';
import { createTextNormalizer } from '../text/index.js';
import { createKnowledgeService, type KnowledgeService } from '../knowledge/index.js';
import type { EventBody } from '../protocol/index.js';
import { createCaseSystemRepository, openStore, type Store } from '../store/index.js';
import { createCallAssistantFactory, createCaseSystem, type CallAssistantFactory } from './index.js';
import { unsupportedFacts } from './facts.js';
import { readJsonl, type ParaphraseQuery } from './testing/faq.js';

let store: Store;
let knowledge: KnowledgeService;
let factory: CallAssistantFactory;

beforeAll(async () => {
  const config = loadConfig({
    env: {},
    overrides: {
      knowledge: { seed: join(BUNDLED_DATA_DIR, 'taipei-faq') },
      text: { lexiconDir: requireShared(sharedPaths.lexiconDir) },
    },
  });
  store = await openStore({});
  knowledge = await createKnowledgeService({ store, config, text: await createTextNormalizer({ config }) });
  factory = createCallAssistantFactory({
    knowledge,
    config,
    caseSystem: await createCaseSystem({ config, demoCases: () => createCaseSystemRepository(store) }),
    learn: ({ kb, ...input }, by) =>
      knowledge.feedback(
        { kb: kb ?? knowledge.defaultKb, ...input },
        { id: by, role: 'agent', source: 'test' },
      ),
  });
});
afterAll(() => store.close());

function call() {
  const events: EventBody[] = [];
  const assistant = factory({ caseId: 'it', emit: (e) => events.push(e) });
  const suggestions = () =>
    events.filter((e): e is Extract<EventBody, { type: 'suggestion' }> => e.type === 'suggestion');
  return { assistant, events, suggestions };
}

describe('suggestions over the real Taipei KB', () => {
  it('grounds every dev-paraphrase answer in what it cites, and mostly cites the gold entry', async () => {
    const dev = readJsonl<ParaphraseQuery>(
      requireShared(join(sharedPaths.devDir, 'taipei_paraphrase.dev.jsonl')),
    );
    let goldCited = 0;
    let answered = 0;
    for (const [i, d] of dev.entries()) {
      const c = call();
      c.assistant.onFinal({
        utteranceId: `d${i}`,
        text: d.query,
        speaker: 'caller',
        startMs: 0,
        endMs: 3000,
      });
      await c.assistant.close();
      const s = c.suggestions()[0];
      expect(s).toBeDefined();
      if (!s) continue;
      const cited = s.faq_candidates.filter((f) => s.cited_faq_ids.includes(f.faq_id));
      const sources = [
        ...cited.map((f) => f.answer),
        ...(s.handoff ? [JSON.stringify(s.handoff)] : []),
        // An urgent utterance gets the reviewed emergency script instead of an FAQ answer.
        ...(s.urgent ? [emergencyScript(s.urgent.category, s.urgent.protocol)] : []),
      ];
      expect(unsupportedFacts(s.reply_script, sources), s.reply_script).toEqual([]);
      if (s.cited_faq_ids.length > 0) answered++;
      if (s.cited_faq_ids.some((id) => d.gold_ids.includes(id))) goldCited++;
    }
    console.info(
      `[suggest] dev paraphrases: ${answered}/${dev.length} answered from the KB, gold entry cited in ${goldCited}`,
    );
    expect(goldCited / dev.length).toBeGreaterThan(0.5);
  });

  it('hands an out-of-scope question to a human with a contact instead of citing an entry', async () => {
    const c = call();
    c.assistant.onFinal({
      utteranceId: 'x',
      text: '我想問火星移民的簽證怎麼辦',
      speaker: 'caller',
      startMs: 0,
      endMs: 3000,
    });
    await c.assistant.close();
    const s = c.suggestions()[0];
    expect(s).toMatchObject({ tier: 'cold', cited_faq_ids: [] });
    if (s?.handoff?.phone) expect(s.reply_script).toContain(s.handoff.phone);
  });

  it('answers each new question of a call on its own, and a follow-up from the question it follows', async () => {
    const c = call();
    let t = 0;
    const say = (id: string, text: string, speaker: 'caller' | 'agent' = 'caller') => {
      c.assistant.onFinal({ utteranceId: id, text, speaker, startMs: t, endMs: (t += 3000) });
    };
    const lastFor = (id: string) =>
      c
        .suggestions()
        .filter((e) => e.utterance_id === id)
        .at(-1);
    say('u1', '我想問一下，垃圾車晚上大概幾點會到我們這邊？');
    say('u2', '請問您住哪一區？', 'agent');
    say('u3', '我媽今年六十五歲了，那個老人卡要去哪裡辦？');
    say('u4', '那要帶什麼證件？');
    await c.assistant.close();
    const garbage = lastFor('u1');
    const senior = lastFor('u3');
    const followUp = lastFor('u4');
    expect(garbage?.faq_candidates[0]?.agency).toBe('環境保護局');
    // The second question does not inherit the garbage cards or their agency.
    expect(senior?.faq_candidates.map((f) => f.question).join()).toContain('敬老');
    expect(senior?.faq_candidates.some((f) => f.agency === '環境保護局')).toBe(false);
    expect(senior?.intent?.agency).not.toBe('環境保護局');
    // The follow-up is about the senior card's documents, not a random agency's.
    expect(followUp?.faq_candidates.slice(0, 3).some((f) => f.question.includes('敬老'))).toBe(true);
  });

  it('learns from an adopted card: the caller words become a similar question of that entry', async () => {
    const words = '我阿嬤的那張坐車半價的卡搞丟了，要去哪裡重辦一張？';
    const first = call();
    first.assistant.onFinal({ utteranceId: 'a1', text: words, speaker: 'caller', startMs: 0, endMs: 3000 });
    await first.assistant.close();
    const shown = first.suggestions().at(-1);
    const target = shown?.faq_candidates.find(
      (f) => f.question.includes('敬老') && f.question.includes('遺失'),
    );
    expect(target, 'the senior-card replacement entry is among the cards').toBeDefined();
    const before = knowledge.search(words).results.findIndex((r) => r.faq_id === target?.faq_id);
    first.assistant.onFeedback?.(
      { type: 'feedback', case_id: 'it', utterance_id: 'a1', action: 'adopt', faq_id: target?.faq_id ?? '' },
      'agent-7',
    );
    await expect.poll(() => knowledge.learned(knowledge.defaultKb).length).toBeGreaterThan(0);
    const after = knowledge.search(words).results;
    expect(after[0]?.faq_id).toBe(target?.faq_id);
    expect(after[0]?.phrasing).toBe(words);
    expect(before).toBeGreaterThanOrEqual(0);
  });
});
