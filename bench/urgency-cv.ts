/**
 * `npm run eval:urgency-cv` — leave-one-set-out over every labelled urgency set (data/urgency and
 * the shared dev set): each is scored by a detector whose classifier was trained on the configured
 * training files without it, by the classifier alone (its `alone` threshold) and as the product
 * combines it with the lexicon. The mean over sets of the classifier's columns is the honest number;
 * the lexicon was tuned on most of these sets after their first look, so the combined columns are
 * honest only for sets it was never tuned on (listed in data/urgency/README.md).
 * Writes bench/results/urgency-cv.json.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { requireShared, repoRoot, sharedPaths } from '../test/shared.js';
import { BUNDLED_DATA_DIR } from '../src/config/index.js';
import {
  BUNDLED_URGENCY_MODEL,
  buildUrgencyDetector,
  readUrgencyModelConfig,
} from '../src/suggest/urgency.js';
import { evaluateUrgency } from '../src/suggest/urgency-eval.js';
import { readUrgencySet } from '../src/suggest/urgency-set.js';

const dir = join(BUNDLED_DATA_DIR, 'urgency');
const files = [
  ...readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => join(dir, f)),
  requireShared(join(sharedPaths.devDir, 'urgent.dev.jsonl')),
];
const { alone } = readUrgencyModelConfig(BUNDLED_URGENCY_MODEL);
const round = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);
const share = <T>(xs: T[], ok: (x: T) => boolean) => (xs.length ? xs.filter(ok).length / xs.length : null);

const rows = files.map((file) => {
  const cases = readUrgencySet(file);
  const detector = buildUrgencyDetector({ exclude: [file] });
  const p = cases.map((c) => ({ urgent: c.urgent, p: detector.explain(c.text).model?.p ?? 0 }));
  const r = evaluateUrgency(cases, (text, o) => detector.detect(text, o));
  return {
    set: basename(file),
    turns: cases.length,
    model_recall: round(
      share(
        p.filter((x) => x.urgent),
        (x) => x.p >= alone,
      ),
    ),
    model_false_alarms: round(
      share(
        p.filter((x) => !x.urgent),
        (x) => x.p >= alone,
      ),
    ),
    recall: r.recall,
    false_alarms: r.false_alarm_rate,
    protocol: r.protocol_accuracy,
    partial_false_alarms: r.partials.false_alarm_rate,
  };
});
const columns = [
  'model_recall',
  'model_false_alarms',
  'recall',
  'false_alarms',
  'protocol',
  'partial_false_alarms',
] as const;
const mean = {
  set: 'mean over sets',
  turns: rows.reduce((s, r) => s + r.turns, 0),
  ...Object.fromEntries(
    columns.map((k) => [k, round(rows.reduce((s, r) => s + (r[k] ?? 0), 0) / rows.length)]),
  ),
};
console.table([...rows, mean]);
const out = join(repoRoot, 'bench', 'results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'urgency-cv.json'), `${JSON.stringify({ rows, mean }, null, 2)}\n`);
