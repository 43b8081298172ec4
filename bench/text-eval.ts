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
 * These use the stage with the lexicon only (no KB terms), as measured since 2026-11-22.
 *
 * Script conversion (src/text/testing/script-corpus.ts, seed 21): agreement with Debian's
 * `opencc -c s2twp.json` on 5,127 Simplified lines — 3,000 sentences, 2,000 clauses of 2–8 characters,
 * 127 hand-written colloquial lines — and the share of the short Traditional lines `s2t` changes.
 * Skipped, with the reason printed, where the `opencc` command is not installed.
 *
 * Redaction, through the stage as the server and CLI build it (textFollowsKnowledge: FAQ seeded into a
 * throw-away store, its answers public) and answered as both answer (lineNormalizer, redact_for
 * archive, default steps): recall on 3,000 generated items of personal data (pii-samples.ts, seed 7;
 * a caller's own landline with 分機 among them) and false positives on 1,000 mentions of the office
 * lines the agency contacts and KB answers publish (seed 11); the same without the KB for comparison.
 * Writes bench/results/text-eval.json.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as OpenCC from 'opencc-js';
import { loadConfig } from '../src/config/index.js';
import { textFollowsKnowledge } from '../src/app/index.js';
import { createKnowledgeService } from '../src/knowledge/index.js';
import { openStore } from '../src/store/index.js';
import {
  createTextNormalizer,
  lineNormalizer,
  loadTaipeiLexicon,
  type TextNormalizer,
  type TextStep,
} from '../src/text/index.js';
import { officeLines, piiSamples, publicLineSamples } from '../src/text/testing/pii-samples.js';
import { agreementWithOpencc, openccAvailable, scriptCorpus } from '../src/text/testing/script-corpus.js';
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

// Script conversion against the reference OpenCC.
const script = scriptCorpus(
  {
    faqQuestions: questions,
    faqAnswers: jsonlField(requireShared(sharedPaths.faq), 'answer'),
    sighanTargets,
    spokenQueries: jsonlField(requireShared(join(sharedPaths.devDir, 'taipei_spoken.dev.jsonl')), 'query'),
  },
  { seed: 21, sentences: 3000, short: 2000 },
);
const s2t = (line: string) => stage.normalize(line, { steps: ['s2t'] }).text;
const traditionalChanged = script.traditionalShort.filter((l) => s2t(l) !== l).length;
const opencc = openccAvailable() ? agreementWithOpencc(script.simplified, s2t) : null;
const conversion = {
  opencc: opencc && {
    lines: opencc.lines,
    agree: opencc.agree,
    rate: Math.round(opencc.rate * 10000) / 10000,
    dictionary_version: opencc.dictionaryVersion,
    rate_where_dictionaries_agree: Math.round(opencc.rateWhereDictionariesAgree * 10000) / 10000,
    by_set: opencc.bySet,
    misses: opencc.misses,
  },
  traditional_short: { lines: script.traditionalShort.length, changed: traditionalChanged },
};

// Redaction through the stage as the server and the CLI build it.
const faqPath = requireShared(sharedPaths.faq);
const kbDir = mkdtempSync(join(tmpdir(), 'hotline-text-eval-'));
const kbConfig = loadConfig({
  env: {},
  overrides: { dataDir: kbDir, logLevel: 'silent', text: { lexiconDir }, knowledge: { seed: faqPath } },
});
const store = await openStore({ sqliteFile: join(kbDir, 'eval.db') });
const kbText = await createTextNormalizer({ config: kbConfig });
const unfollow = textFollowsKnowledge({
  config: kbConfig,
  text: kbText,
  knowledge: await createKnowledgeService({ store, config: kbConfig, text: kbText }),
});
const agencies = jsonlField(faqPath, 'agency');
const faq = jsonlField(faqPath, 'answer').map((answer, i) => ({ agency: agencies[i] as string, answer }));
const personal = piiSamples(3000, 7);
const office = publicLineSamples(officeLines(lexiconDir, faq), 1000, 11);
const archive = lineNormalizer({ redactFor: 'archive' });
const rate = (n: number, of: number) => Math.round((n / of) * 10000) / 10000;
function redaction(name: string, text: TextNormalizer) {
  const leaks = (s: (typeof personal)[number]) => {
    const out = archive(text, s.sentence);
    const digits = out.text.replace(/\D/g, '');
    return (
      !out.redactions.some((r) => r.type === s.type) ||
      out.text.includes(s.shown) ||
      (/^\d+$/.test(s.value) && digits.includes(s.value))
    );
  };
  const missed = personal.filter(leaks);
  const ownLines = personal.filter((s) => /分機|轉|#/.test(s.shown));
  const flagged = office.filter((s) => archive(text, s.sentence).redactions.length > 0);
  return {
    stage: name,
    items: personal.length,
    recall: rate(personal.length - missed.length, personal.length),
    own_lines_with_extension: ownLines.length,
    own_lines_recall: rate(ownLines.filter((s) => !missed.includes(s)).length, ownLines.length),
    office_mentions: office.length,
    false_positive_rate: rate(flagged.length, office.length),
    missed: missed.slice(0, 10).map((s) => s.sentence),
    flagged: flagged.slice(0, 10).map((s) => s.sentence),
  };
}
const redactionResults = [
  redaction('server/CLI (KB answers public)', kbText),
  redaction('without the KB', stage),
];
unfollow();
await store.close();

console.log(`text correction quality (${stage.terms().length} lexicon terms)`);
console.table(edits);
console.log('false corrections on clean text (share of sentences changed)');
console.table(clean);
console.log('end to end (default steps): misheard term restored');
console.table(endToEnd);
if (opencc) {
  console.log(
    `s2t vs opencc -c s2twp.json: ${opencc.agree}/${opencc.lines} (${(opencc.rate * 100).toFixed(2)} %); ` +
      `${opencc.dictionaryVersion} lines differ by dictionary version (opencc-js's own s2twp differs too); ` +
      `${(opencc.rateWhereDictionariesAgree * 100).toFixed(2)} % on the other lines`,
  );
  console.table(opencc.bySet);
  console.table(opencc.misses);
} else console.log('s2t vs OpenCC: skipped, the `opencc` command (Debian package "opencc") is not installed');
console.log(
  `short Traditional lines changed by s2t: ${traditionalChanged}/${script.traditionalShort.length}`,
);
console.log('redaction (archive, default steps)');
console.table(redactionResults.map(({ missed: _m, flagged: _f, ...row }) => row));
mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
writeFileSync(
  join(repoRoot, 'bench/results/text-eval.json'),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      noise_seed: 1999,
      edits,
      clean,
      end_to_end: endToEnd,
      conversion,
      redaction: redactionResults,
    },
    null,
    2,
  )}\n`,
);
