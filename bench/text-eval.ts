/**
 * `npm run eval:text` — quality of the text stage's corrections:
 * - SIGHAN (../shared/data/dev/sighan_train.jsonl, learners' near-homophone errors in Traditional
 *   Chinese): character-level precision/recall/F1 of edits, and false corrections on the targets;
 * - the homophone-noised Taipei FAQ set (src/text/testing/homophone-noise.ts, seed 1999): misheard
 *   local names and agencies, the errors the lexicon exists for;
 * - false-correction rate on clean text (FAQ questions, SIGHAN targets): share of sentences changed.
 * Two configurations: lexicon correction alone, and s2t + lexicon (what runs on Traditional ASR output).
 * End to end: the noised set also in Simplified characters (what a mainland-trained recognizer writes)
 * through the default steps — share of sentences whose misheard term comes out right.
 * Writes bench/results/text-eval.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as OpenCC from 'opencc-js';
import { createTextNormalizer, loadTaipeiLexicon, type TextStep } from '../src/text/index.js';
import { countEdits, type AlignedPair } from '../src/text/testing/edit-counts.js';
import { homophoneNoise, type NoisedPair } from '../src/text/testing/homophone-noise.js';
import { jsonlField, textConfig } from '../src/text/testing/fixtures.js';
import { repoRoot, requireShared, sharedPaths } from '../test/shared.js';

const lexiconDir = requireShared(sharedPaths.lexiconDir);
const stage = await createTextNormalizer({
  config: textConfig(join(repoRoot, '.hotline-bench'), { lexiconDir }),
});
const questions = jsonlField(requireShared(sharedPaths.faq), 'question');
const sighanPath = requireShared(join(sharedPaths.devDir, 'sighan_train.jsonl'));
const sighanSources = jsonlField(sighanPath, 'source');
const sighanTargets = jsonlField(sighanPath, 'target');
// Character-level scoring needs aligned pairs: SIGHAN substitutions keep the length.
const sighan: AlignedPair[] = sighanSources
  .map((source, i) => ({ source, target: sighanTargets[i] as string }))
  .filter((p) => p.source.length === p.target.length);
const noised = homophoneNoise(questions, loadTaipeiLexicon(lexiconDir).terms, { seed: 1999 });

function scoreEdits(pairs: readonly AlignedPair[], steps: TextStep[]) {
  const { correct, edited, gold, misaligned } = countEdits(
    pairs,
    (text) => stage.normalize(text, { steps }).text,
  );
  const precision = edited ? correct / edited : 1;
  const recall = gold ? correct / gold : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  const r = (v: number) => Math.round(v * 10000) / 10000;
  return {
    pairs: pairs.length,
    gold_chars: gold,
    edited_chars: edited,
    precision: r(precision),
    recall: r(recall),
    f1: r(f1),
    misaligned,
  };
}

function falseCorrections(sentences: readonly string[], steps: TextStep[]) {
  const changed = sentences.filter((s) => stage.normalize(s, { steps }).text !== s).length;
  return {
    sentences: sentences.length,
    changed,
    rate: Math.round((changed / sentences.length) * 100000) / 100000,
  };
}

const configs: { name: string; steps: TextStep[] }[] = [
  { name: 'lexicon', steps: ['lexicon'] },
  { name: 's2t+lexicon', steps: ['s2t', 'lexicon'] },
];
const edits = configs.flatMap(({ name, steps }) => [
  { set: 'homophone-noised FAQ', config: name, ...scoreEdits(noised, steps) },
  { set: 'SIGHAN (same-length pairs)', config: name, ...scoreEdits(sighan, steps) },
]);
const clean = configs.flatMap(({ name, steps }) => [
  { set: 'FAQ questions', config: name, ...falseCorrections(questions, steps) },
  { set: 'SIGHAN targets', config: name, ...falseCorrections(sighanTargets, steps) },
]);

const toSimplified = OpenCC.Converter({ from: 'tw', to: 'cn' });
function restored(pairs: readonly NoisedPair[], simplified: boolean) {
  const ok = pairs.filter((p) => {
    const input = simplified ? toSimplified(p.source) : p.source;
    return stage.normalize(input).text.includes(p.term);
  }).length;
  return { pairs: pairs.length, term_restored: ok, rate: Math.round((ok / pairs.length) * 10000) / 10000 };
}
const endToEnd = [
  { input: 'noised FAQ, Traditional', ...restored(noised, false) },
  { input: 'noised FAQ, Simplified', ...restored(noised, true) },
];

console.log(`text correction quality (${stage.terms().length} lexicon terms)`);
console.table(edits);
console.log('false corrections on clean text (share of sentences changed)');
console.table(clean);
console.log('end to end (default steps): misheard term restored');
console.table(endToEnd);
mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
writeFileSync(
  join(repoRoot, 'bench/results/text-eval.json'),
  `${JSON.stringify({ date: new Date().toISOString(), noise_seed: 1999, edits, clean, end_to_end: endToEnd }, null, 2)}\n`,
);
