import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, createLogger, BUNDLED_DATA_DIR } from '../../config/index.js';
import { createKnowledgeService, readSeed, type SearchResult } from '../../knowledge/index.js';
import { buildHardDevSet } from '../../knowledge/dev-set.js';
import { goldExpander, scoreRankings, type EvalQuery } from '../../knowledge/evaluate.js';
import { openStore } from '../../store/index.js';
import { createTextNormalizer } from '../../text/index.js';
import { buildUrgencyDetector } from '../../suggest/urgency.js';
import { scoreUrgency, summarizeUrgency, type UrgencyOutcome } from '../../suggest/urgency-eval.js';
import { readUrgencySet } from '../../suggest/urgency-set.js';

function readQueries(file: string): EvalQuery[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((line, i) => {
      const q = JSON.parse(line) as Partial<EvalQuery>;
      if (typeof q.query !== 'string' || !Array.isArray(q.gold_ids)) {
        throw Object.assign(new Error(`${file} line ${i + 1}: expected {"query","gold_ids":[…]}`), {
          code: 'invalid_queries',
        });
      }
      return { query: q.query, gold_ids: q.gold_ids.map(String), ...(q.kind ? { kind: q.kind } : {}) };
    });
}

interface Outcome {
  query: EvalQuery;
  result: SearchResult;
  ms: number;
}

const ratio = (a: number, b: number) => (b ? Math.round((a / b) * 1000) / 1000 : null);

/**
 * What agents see: for answerable queries, how often the answer is `hot` (coverage) and how often a
 * hot top card is right (precision); for the others, how often one wrongly comes out hot.
 */
function tierStats(outcomes: readonly Outcome[], expand: (gold: readonly string[]) => Set<string>) {
  const answerable = outcomes.filter((o) => o.query.gold_ids.length);
  const hot = answerable.filter((o) => o.result.tier === 'hot');
  const right = hot.filter((o) => expand(o.query.gold_ids).has(o.result.results[0]?.faq_id ?? ''));
  const unanswerable = outcomes.filter((o) => !o.query.gold_ids.length);
  return {
    hot_coverage: ratio(hot.length, answerable.length),
    hot_precision: ratio(right.length, hot.length),
    out_of_scope: unanswerable.length,
    out_of_scope_hot: ratio(unanswerable.filter((o) => o.result.tier === 'hot').length, unanswerable.length),
  };
}

/**
 * `hotline-assist eval retrieval|devset|urgency` — measure retrieval on a KB and query set, in a
 * throw-away store; build a harder dev set; measure urgency alerts on labelled caller turns.
 */
export function register(program: Command): void {
  const evaluate = program.command('eval').description('evaluate stages on development sets');

  evaluate
    .command('retrieval')
    .description(
      'recall, MRR, tiers and latency of FAQ retrieval through the same path as the API (text stage, ' +
        'vocabulary, similar questions), per kind of query, in a throw-away store',
    )
    .requiredOption(
      '--kb <path>',
      'KB as JSONL or CSV, or a folder (e.g. data/taipei-faq: FAQ + similar questions)',
    )
    .requiredOption(
      '--queries <file>',
      'JSONL {"query","gold_ids":[…],"kind"?} (empty gold_ids = should not be hot)',
    )
    .option('--k <n>', 'depth of the ranking', '10')
    .option('--no-phrasings', 'leave the similar questions (相似問法) out of the index')
    .option(
      '--replay <file>',
      'first replay agent adoptions: JSONL {"query","gold_ids"} (query adopted for gold_ids[0])',
    )
    .option('--json', 'last line: the metrics per kind as JSON')
    .action(
      async (opts: {
        kb: string;
        queries: string;
        k: string;
        phrasings: boolean;
        replay?: string;
        json?: boolean;
      }) => {
        // Read as the seed is; imported as the server imports it (shipped similar questions included).
        const entries = readSeed(opts.kb).map((e) => {
          if (opts.phrasings) return e;
          const { phrasings: _left, ...rest } = e;
          return rest;
        });
        const queries = readQueries(opts.queries);
        const dir = mkdtempSync(join(tmpdir(), 'hotline-eval-'));
        // The configured lexicon (HOTLINE_LEXICON_DIR) and vocabulary, as the server uses them.
        const config = loadConfig({ overrides: { dataDir: dir, knowledge: { seed: '' } } });
        const store = await openStore({ sqliteFile: join(dir, 'eval.db') });
        try {
          const logger = createLogger('warn', 'stderr');
          const text = await createTextNormalizer({ config, logger });
          const knowledge = await createKnowledgeService({ store, config, logger, text });
          await knowledge.importEntries('eval', entries, {
            note: 'eval',
            keepPhrasings: opts.phrasings,
          });
          for (const q of opts.replay ? readQueries(opts.replay) : []) {
            const target = q.gold_ids[0];
            if (target)
              await knowledge.feedback({ kb: 'eval', entryId: target, text: q.query, action: 'adopted' });
          }
          const k = Number.parseInt(opts.k, 10) || 10;
          const run = (q: EvalQuery) => knowledge.search(q.query, { kb: 'eval', k });
          for (const q of queries.slice(0, 20)) run(q); // JIT warm-up, not timed
          const outcomes: Outcome[] = queries.map((query) => {
            const started = performance.now();
            const result = run(query);
            return { query, result, ms: performance.now() - started };
          });
          const expand = goldExpander(entries);
          const rowOf = (set: string, list: readonly Outcome[]) => ({
            set,
            ...scoreRankings(
              list.map((o) => o.query),
              list.map((o) => ({ ids: o.result.results.map((r) => r.faq_id), ms: o.ms })),
              expand,
            ),
            ...tierStats(list, expand),
          });
          const kinds = [...new Set(queries.map((q) => q.kind).filter((x): x is string => !!x))];
          const rows = [
            rowOf('all', outcomes),
            ...kinds.map((kind) =>
              rowOf(
                kind,
                outcomes.filter((o) => o.query.kind === kind),
              ),
            ),
          ];
          console.table(rows);
          if (opts.json)
            console.log(JSON.stringify(Object.fromEntries(rows.map(({ set, ...m }) => [set, m]))));
        } finally {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );

  evaluate
    .command('urgency')
    .description(
      'urgency alerts on labelled caller turns: precision, recall, false alarms on ordinary turns, ' +
        'protocol accuracy, per category, on finals and on partials; each set is scored by a detector ' +
        'whose classifier was trained without it',
    )
    .option(
      '--set <files...>',
      'JSONL {"text","urgent","category","protocol"} (default: the dev sets in data/urgency)',
    )
    .option('--lexicon-only', 'leave the classifier out')
    .option('--explain <text>', 'show how one caller turn is weighed, then exit')
    .option('--json', 'print the report as JSON')
    .action((opts: { set?: string[]; lexiconOnly?: boolean; explain?: string; json?: boolean }) => {
      const model = opts.lexiconOnly ? null : undefined;
      if (opts.explain !== undefined) {
        const detector = buildUrgencyDetector({ model });
        const explanation = { ...detector.explain(opts.explain), alert: detector.detect(opts.explain) };
        console.log(JSON.stringify(explanation, null, opts.json ? undefined : 2));
        return;
      }
      const dir = join(BUNDLED_DATA_DIR, 'urgency');
      const files = (
        opts.set ??
        readdirSync(dir)
          .filter((f) => f.endsWith('.dev.jsonl'))
          .map((f) => join(dir, f))
      ).map((f) => resolve(f));
      const all: UrgencyOutcome[] = [];
      const sets: Record<string, ReturnType<typeof summarizeUrgency>> = {};
      for (const file of files) {
        const detector = buildUrgencyDetector({ model, exclude: [file] });
        const outcomes = scoreUrgency(readUrgencySet(file), (text, o) => detector.detect(text, o));
        all.push(...outcomes);
        sets[basename(file)] = summarizeUrgency(outcomes);
      }
      const report = { sets, all: summarizeUrgency(all) };
      if (opts.json) {
        console.log(JSON.stringify(report));
        return;
      }
      console.table(
        Object.entries({ ...sets, all: report.all }).map(([set, r]) => ({
          set,
          turns: r.turns,
          precision: r.precision,
          recall: r.recall,
          false_alarms: r.false_alarm_rate,
          protocol: r.protocol_accuracy,
          category: r.category_accuracy,
          partial_recall: r.partials.alerted_before_final,
          partial_false_alarms: r.partials.false_alarm_rate,
        })),
      );
      console.table(report.all.per_category);
      for (const m of report.all.missed) console.log(`missed (${m.category}): ${m.text}`);
      for (const f of report.all.false_alarm_turns) console.log(`false alarm (${f.reason}): ${f.text}`);
      for (const w of report.all.wrong_protocol) console.log(`protocol ${w.got}, not ${w.gold}: ${w.text}`);
    });

  evaluate
    .command('devset')
    .description('write the harder development set (spoken, homophone-noised, out-of-KB) built from a KB')
    .requiredOption('--kb <file>', 'KB as JSONL or CSV')
    .option('--out <file>', 'output JSONL (default: stdout)')
    .option('--size <n>', 'entries rewritten (each gives a spoken and a homophone query)', '300')
    .option('--seed <n>', 'random seed', '1999')
    .option(
      '--out-of-kb <file>',
      'JSONL queries from another domain (e.g. drcd_dev_queries.jsonl) used as out-of-KB questions',
    )
    .option('--out-of-kb-every <n>', 'take every n-th of those', '35')
    .action(
      (opts: {
        kb: string;
        out?: string;
        size: string;
        seed: string;
        outOfKb?: string;
        outOfKbEvery: string;
      }) => {
        const every = Number.parseInt(opts.outOfKbEvery, 10) || 35;
        const outOfKb = opts.outOfKb
          ? readQueries(opts.outOfKb)
              .filter((_, i) => i % every === 0)
              .map((q) => q.query)
          : [];
        const set = buildHardDevSet(readSeed(opts.kb), {
          size: Number.parseInt(opts.size, 10) || 300,
          seed: Number.parseInt(opts.seed, 10) || 1999,
          outOfKb,
        });
        const body = set.map((q) => JSON.stringify(q)).join('\n') + '\n';
        if (opts.out) {
          writeFileSync(opts.out, body);
          console.error(`wrote ${set.length} queries to ${opts.out}`);
        } else process.stdout.write(body);
      },
    );
}
