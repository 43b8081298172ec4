/**
 * `npm run bench:suggest` — final transcript → `suggestion` event latency with the template engine,
 * retrieval included, over the real Taipei KB and the real knowledge service; the same queries
 * through retrieval alone are the baseline, so the table shows what the suggestion stage adds.
 * Also reports agency routing accuracy and urgency on the shared dev set and the FAQ. Writes
 * bench/results/suggest.json. Goal: suggestion p99 < 50 ms.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireShared, repoRoot, sharedPaths } from '../test/shared.js';
import { loadConfig } from '../src/config/index.js';
import { buildCallQuery, createKnowledgeService, trainAgencyRouter } from '../src/knowledge/index.js';
import { percentile } from '../src/knowledge/evaluate.js';
import { createCaseSystemRepository, openStore } from '../src/store/index.js';
import { createCallAssistantFactory, createCaseSystem, detectUrgency } from '../src/suggest/index.js';
import { readFaqJsonl, readJsonl, type ParaphraseQuery } from '../src/suggest/testing/faq.js';
import { evaluateUrgency } from '../src/suggest/urgency-eval.js';
import { readUrgencySet } from '../src/suggest/urgency-set.js';

const SAMPLE = Number(process.env.BENCH_SUGGEST_QUERIES ?? 400);

/** Nearest-rank percentile in ms, to 0.01 ms. */
function percentileMs(values: number[], p: number): number {
  return Math.round(percentile(values, p) * 100) / 100;
}

const faq = readFaqJsonl(requireShared(sharedPaths.faq));
const dev = readJsonl<ParaphraseQuery>(
  requireShared(join(sharedPaths.devDir, 'taipei_paraphrase.dev.jsonl')),
);

const config = loadConfig({
  env: {},
  overrides: {
    knowledge: { seed: sharedPaths.faq },
    text: { lexiconDir: requireShared(sharedPaths.lexiconDir) },
  },
});
const store = await openStore({});
const buildStart = performance.now();
const knowledge = await createKnowledgeService({ store, config });
const buildMs = performance.now() - buildStart;
const router = trainAgencyRouter(faq);
const factory = createCallAssistantFactory({
  knowledge,
  config,
  caseSystem: await createCaseSystem({ config, demoCases: () => createCaseSystemRepository(store) }),
});

// Every 12th FAQ question (spread over all agencies) plus the dev paraphrases.
const queries = [
  ...faq.filter((_, i) => i % 12 === 0).map((e) => e.question),
  ...dev.map((d) => d.query),
].slice(0, SAMPLE);

function measure(): { retrieval: number[]; suggestion: number[] } {
  const retrieval: number[] = [];
  const suggestion: number[] = [];
  for (const [i, text] of queries.entries()) {
    let t = performance.now();
    knowledge.search(buildCallQuery([{ text, speaker: 'caller' }]), { k: 5 });
    retrieval.push(performance.now() - t);
    let emittedAt = 0;
    const assistant = factory({
      caseId: `bench-${i}`,
      emit: (e) => {
        if (e.type === 'suggestion') emittedAt = performance.now();
      },
    });
    t = performance.now();
    assistant.onFinal({ utteranceId: `u${i}`, text, speaker: 'caller', startMs: 0, endMs: 3000 });
    if (!emittedAt) throw new Error(`no synchronous suggestion for: ${text}`);
    suggestion.push(emittedAt - t);
    void assistant.close();
  }
  return { retrieval, suggestion };
}

measure(); // warm-up: JIT and caches
const { retrieval, suggestion } = measure();

// Routing: 90/10 split on the entry id, and the dev paraphrases with a router trained on all entries.
const heldOut = (id: string) => Number.parseInt(id.slice(-2), 10) % 10 === 0;
const splitRouter = trainAgencyRouter(faq.filter((e) => !heldOut(e.id)));
const test = faq.filter((e) => heldOut(e.id));
const acc = (items: Array<{ text: string; agency: string }>, r: typeof router, k: number) =>
  items.filter((x) => r.route(x.text, k).some((g) => g.agency === x.agency)).length / items.length;
const heldOutItems = test.map((e) => ({ text: e.question, agency: e.agency }));
const devItems = dev.map((d) => ({ text: d.query, agency: d.agency_2024 }));
const urgentDev = evaluateUrgency(
  readUrgencySet(requireShared(join(sharedPaths.devDir, 'urgent.dev.jsonl'))),
  detectUrgency,
);
const faqAlarms = faq.filter((e) => detectUrgency(e.question)).length;

const result = {
  queries: queries.length,
  kb_entries: faq.length,
  index_build_ms: Math.round(buildMs),
  latency_ms: {
    retrieval_only: { p50: percentileMs(retrieval, 50), p99: percentileMs(retrieval, 99) },
    suggestion_template: { p50: percentileMs(suggestion, 50), p99: percentileMs(suggestion, 99) },
  },
  goal_p99_ms: 50,
  routing: {
    held_out_top1: acc(heldOutItems, splitRouter, 1),
    held_out_top3: acc(heldOutItems, splitRouter, 3),
    held_out_n: heldOutItems.length,
    dev_top1: acc(devItems, router, 1),
    dev_n: devItems.length,
  },
  urgency: {
    recall: urgentDev.recall ?? 0,
    urgent_n: urgentDev.urgent,
    dev_false_alarms: urgentDev.false_alarms,
    dev_ordinary_n: urgentDev.ordinary,
    faq_false_alarms: faqAlarms,
    faq_questions: faq.length,
  },
};

const f = (x: number) => x.toFixed(2).padStart(8);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
console.log(
  `\nsuggest bench — ${queries.length} finals over the Taipei KB (${faq.length} entries), template engine\n`,
);
console.log('path                          p50 ms    p99 ms');
console.log(
  `retrieval only (baseline)   ${f(result.latency_ms.retrieval_only.p50)}  ${f(result.latency_ms.retrieval_only.p99)}`,
);
console.log(
  `final → suggestion event    ${f(result.latency_ms.suggestion_template.p50)}  ${f(result.latency_ms.suggestion_template.p99)}   (goal p99 < 50)`,
);
console.log(
  `\nagency routing: held-out KB top-1 ${pct(result.routing.held_out_top1)}, top-3 ${pct(result.routing.held_out_top3)} (n=${result.routing.held_out_n}); dev paraphrases top-1 ${pct(result.routing.dev_top1)} (n=${result.routing.dev_n})`,
);
console.log(
  `urgency (urgent.dev.jsonl): recall ${pct(result.urgency.recall)} (n=${result.urgency.urgent_n}); false alarms ${urgentDev.false_alarms}/${urgentDev.ordinary} ordinary turns, ${faqAlarms}/${faq.length} FAQ questions`,
);

mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
writeFileSync(join(repoRoot, 'bench/results/suggest.json'), JSON.stringify(result, null, 2) + '\n');
await store.close();
