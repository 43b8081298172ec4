/**
 * `npm run bench:text` — per-utterance latency of the whole zh-TW text stage (s2t, fillers, lexicon
 * correction, ITN, punctuation; and with archive redaction) on 30-character utterances cut from the
 * real Taipei FAQ questions: as Traditional text, as Simplified text (what a mainland-trained
 * recognizer writes) and homophone-noised. Baseline in the same run: opencc-js s2twp alone, the one
 * step every pipeline needs anyway. Writes bench/results/text.json. Goal: stage p99 < 2 ms.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as OpenCC from 'opencc-js';
import { percentile } from '../src/knowledge/evaluate.js';
import { createTextNormalizer, loadTaipeiLexicon, type NormalizeOptions } from '../src/text/index.js';
import { homophoneNoise } from '../src/text/testing/homophone-noise.js';
import { jsonlField, textConfig } from '../src/text/testing/fixtures.js';
import { repoRoot, requireShared, sharedPaths } from '../test/shared.js';

const UTTERANCES = Number(process.env.BENCH_TEXT_UTTERANCES ?? 2000);
const LENGTH = 30;

/**
 * Per-utterance latency. This machine is shared (load often > 4 on 2 cores), so a 0.1 ms call is
 * regularly preempted for a whole time slice. Two views: `p99_ms` from one pass as it happened, and
 * `p99_min_ms` from the fastest of PASSES runs of each utterance — the stage's own cost per input,
 * with scheduler preemptions filtered out (input-dependent slowness still shows).
 */
const PASSES = 5;
function measure(inputs: readonly string[], work: (s: string) => unknown) {
  for (const s of inputs.slice(0, 200)) work(s); // warm-up (JIT)
  const first: number[] = [];
  const best = new Array<number>(inputs.length).fill(Infinity);
  for (let pass = 0; pass < PASSES; pass++) {
    inputs.forEach((s, i) => {
      const t = performance.now();
      work(s);
      const ms = performance.now() - t;
      if (pass === 0) first.push(ms);
      best[i] = Math.min(best[i] as number, ms);
    });
  }
  first.sort((a, b) => a - b);
  best.sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    n: inputs.length,
    p50_ms: round(percentile(first, 50)),
    p99_ms: round(percentile(first, 99)),
    p50_min_ms: round(percentile(best, 50)),
    p99_min_ms: round(percentile(best, 99)),
    max_min_ms: round(best.at(-1) ?? 0),
  };
}

const lexiconDir = requireShared(sharedPaths.lexiconDir);
const questions = jsonlField(requireShared(sharedPaths.faq), 'question');
/** 30-character utterances: questions cut or padded with the next question, spaces removed. */
const traditional: string[] = [];
for (let i = 0; traditional.length < UTTERANCES; i++) {
  let s = (questions[i % questions.length] as string).replace(/\s+/g, '');
  for (let j = 1; s.length < LENGTH; j++)
    s += (questions[(i + j) % questions.length] as string).replace(/\s+/g, '');
  traditional.push(s.slice(0, LENGTH));
}
const toSimplified = OpenCC.Converter({ from: 'tw', to: 'cn' });
const simplified: string[] = traditional.map((s) => toSimplified(s));
const noised = homophoneNoise(traditional, loadTaipeiLexicon(lexiconDir).terms, { seed: 1999 }).map(
  (p) => p.source,
);

const buildStart = performance.now();
const stage = await createTextNormalizer({
  config: textConfig(join(repoRoot, '.hotline-bench'), { lexiconDir }),
});
const buildMs = Math.round(performance.now() - buildStart);
const s2twp = OpenCC.Converter({ from: 'cn', to: 'twp' });

const whole: NormalizeOptions = { final: true };
const redacted: NormalizeOptions = {
  steps: ['s2t', 'filler', 'lexicon', 'itn', 'punct', 'redact'],
  redactFor: 'archive',
  final: true,
};
const rows = [
  { case: 'baseline: opencc-js s2twp only', input: 'simplified', ...measure(simplified, s2twp) },
  {
    case: 'stage (default steps)',
    input: 'traditional',
    ...measure(traditional, (s) => stage.normalize(s, whole)),
  },
  {
    case: 'stage (default steps)',
    input: 'simplified',
    ...measure(simplified, (s) => stage.normalize(s, whole)),
  },
  {
    case: 'stage (default steps)',
    input: `noised (${noised.length})`,
    ...measure(noised, (s) => stage.normalize(s, whole)),
  },
  {
    case: 'stage + archive redaction',
    input: 'simplified',
    ...measure(simplified, (s) => stage.normalize(s, redacted)),
  },
  ...(['s2t', 'filler', 'lexicon', 'itn', 'punct', 'redact'] as const).map((step) => ({
    case: `step ${step} alone`,
    input: 'simplified',
    ...measure(simplified, (s) => stage.normalize(s, { steps: [step], final: true })),
  })),
];

console.log(
  `text stage: ${LENGTH}-char utterances, ${stage.terms().length} lexicon terms, built in ${buildMs} ms`,
);
console.table(rows);
const stageRows = rows.filter((r) => r.case.startsWith('stage'));
const worst = Math.max(...stageRows.map((r) => r.p99_min_ms));
const worstRaw = Math.max(...stageRows.map((r) => r.p99_ms));
console.log(
  `goal p99 < 2 ms: ${worst < 2 ? 'met' : 'NOT met'} on the stage's own cost (worst p99 ${worst} ms); ` +
    `single pass with scheduler noise: worst p99 ${worstRaw} ms (load average ${(await import('node:os')).loadavg()[0]?.toFixed(1)})`,
);
mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
writeFileSync(
  join(repoRoot, 'bench/results/text.json'),
  `${JSON.stringify({ date: new Date().toISOString(), length: LENGTH, passes: PASSES, build_ms: buildMs, terms: stage.terms().length, goal_p99_ms: 2, rows }, null, 2)}\n`,
);
