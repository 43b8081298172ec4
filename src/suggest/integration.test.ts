/** The suggestion stage over the real knowledge service and the real Taipei KB (4,847 entries). */
import { emergencyScript } from './urgency-protocols.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireShared, sharedPaths } from '../../test/shared.js';
import { loadConfig } from '../config/index.js';
import { createKnowledgeService, type KnowledgeService } from '../knowledge/index.js';
import type { EventBody } from '../protocol/index.js';
import { openStore, type Store } from '../store/index.js';
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
      knowledge: { seed: requireShared(sharedPaths.faq) },
      text: { lexiconDir: requireShared(sharedPaths.lexiconDir) },
    },
  });
  store = await openStore({});
  knowledge = await createKnowledgeService({ store, config });
  factory = createCallAssistantFactory({
    knowledge,
    config,
    caseSystem: await createCaseSystem({ config, store }),
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
});
