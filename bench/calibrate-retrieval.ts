/**
 * `npm run calibrate:retrieval` — fits the confidence model (src/knowledge/calibration.ts) on realistic
 * caller questions, through the same path as the API, and reports how the fitted model would tier them.
 *
 * Samples: every card shown (top 5) for
 * - the realistic dev set `taipei_spoken.dev.jsonl` (hand-written callers, incl. out-of-scope);
 * - `bench/data/out-of-scope.jsonl` (our own realistic questions the Taipei KB cannot answer);
 * - held-out similar questions: one shipped phrasing per sampled entry is taken out of the KB and asked,
 *   so the model also sees callers whose words the KB has never seen.
 * Labels: the card answers the question (its id or an entry with the same question is gold).
 * Prints the coefficients to paste into calibration.ts and 5-fold cross-validated hot precision,
 * coverage and out-of-scope hot rate at several thresholds; writes bench/results/calibration.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, requireShared, sharedPaths } from '../test/shared.js';
import { loadConfig } from '../src/config/index.js';
import { createKnowledgeService, readSeed, type FaqEntry } from '../src/knowledge/index.js';
import {
  CONFIDENCE_FEATURES,
  fitConfidenceModel,
  predict,
  type ConfidenceModel,
} from '../src/knowledge/confidence.js';
import { goldExpander, type EvalQuery } from '../src/knowledge/evaluate.js';
import { openStore } from '../src/store/index.js';
import { createTextNormalizer } from '../src/text/index.js';

const HELD_OUT = Number(process.env.CALIBRATE_HELD_OUT ?? 400);
const K = 5;

const readQueries = (file: string): EvalQuery[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as EvalQuery);

const shipped = readSeed(join(repoRoot, 'data/taipei-faq'));
// Held-out similar questions: every n-th entry with 4+ phrasings gives up one (chosen by its id).
const step = Math.max(
  1,
  Math.floor(shipped.filter((e) => (e.phrasings?.length ?? 0) >= 4).length / HELD_OUT),
);
const heldOut: EvalQuery[] = [];
let seen = 0;
const entries: FaqEntry[] = shipped.map((e) => {
  const phrasings = e.phrasings ?? [];
  if (phrasings.length < 4 || seen++ % step !== 0) return e;
  const at = Number.parseInt(e.id.replace(/\D/g, '') || '0', 10) % phrasings.length;
  heldOut.push({ query: (phrasings[at] as { text: string }).text, gold_ids: [e.id], kind: 'held_out' });
  return { ...e, phrasings: phrasings.filter((_, i) => i !== at) };
});

const dev = readQueries(requireShared(join(sharedPaths.devDir, 'taipei_spoken.dev.jsonl')));
const sets: Record<string, EvalQuery[]> = {
  dev: dev.filter((q) => q.gold_ids.length),
  dev_out_of_scope: dev.filter((q) => !q.gold_ids.length),
  out_of_scope: readQueries(join(repoRoot, 'bench/data/out-of-scope.jsonl')),
  held_out: heldOut,
};

const config = loadConfig({
  env: {},
  overrides: {
    dataDir: '/tmp/hotline-calibrate',
    text: { lexiconDir: requireShared(sharedPaths.lexiconDir) },
  },
});
const store = await openStore({});
const text = await createTextNormalizer({ config });
const knowledge = await createKnowledgeService({ store, config, text });
await knowledge.importEntries('calibrate', entries);
const expand = goldExpander(entries);

interface Sample {
  set: string;
  query: number;
  rank: number;
  features: number[];
  label: 0 | 1;
}
const samples: Sample[] = [];
let queryNo = 0;
for (const [set, queries] of Object.entries(sets)) {
  for (const q of queries) {
    const result = knowledge.search(q.query, { kb: 'calibrate', k: K, features: true });
    const gold = expand(q.gold_ids);
    result.results.forEach((card, rank) => {
      samples.push({
        set,
        query: queryNo,
        rank,
        features: result.features?.[rank] ?? [],
        label: gold.has(card.faq_id) ? 1 : 0,
      });
    });
    queryNo++;
  }
}

/** Hot precision/coverage and out-of-scope hot rate of top cards at a threshold, under a model per fold. */
function tierTable(models: (s: Sample) => ConfidenceModel) {
  const tops = samples.filter((s) => s.rank === 0);
  return [0.5, 0.6, 0.7, 0.75, 0.8, 0.9].map((threshold) => {
    const row: Record<string, number | string> = { threshold };
    for (const set of Object.keys(sets)) {
      const mine = tops.filter((s) => s.set === set);
      const hot = mine.filter((s) => predict(models(s), s.features) >= threshold);
      const right = hot.filter((s) => s.label === 1);
      if (!set.includes('out_of_scope'))
        row[`${set}_precision`] = hot.length ? Math.round((right.length / hot.length) * 1000) / 1000 : '-';
      row[`${set}_hot`] = Math.round((hot.length / Math.max(1, (sets[set] ?? []).length)) * 1000) / 1000;
    }
    return row;
  });
}

const model = fitConfidenceModel(samples);
// 5-fold cross-validation by query, so the tier numbers are not measured on what was fitted.
const folds = [0, 1, 2, 3, 4].map((f) => fitConfidenceModel(samples.filter((s) => s.query % 5 !== f)));
console.log(
  `${samples.length} cards from ${queryNo} queries (${Object.entries(sets)
    .map(([k, v]) => `${k} ${v.length}`)
    .join(', ')})`,
);
console.table(CONFIDENCE_FEATURES.map((name, i) => ({ feature: name, weight: model.weights[i] })));
console.log(`intercept ${model.intercept}`);
console.log(
  'Cross-validated tiers of the top card: share of each set answered hot, and how often a hot top card is right:',
);
const table = tierTable((s) => folds[s.query % 5] as ConfidenceModel);
console.table(table);
console.log(
  `\nexport const TAIPEI_CONFIDENCE: ConfidenceModel = {\n  intercept: ${model.intercept.toFixed(4)},\n  weights: [${model.weights.map((w) => w.toFixed(4)).join(', ')}],\n};`,
);
const outDir = join(repoRoot, 'bench/results');
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, 'calibration.json'),
  JSON.stringify(
    { at: new Date().toISOString(), features: CONFIDENCE_FEATURES, model, cross_validated: table },
    null,
    2,
  ),
);
await store.close();
