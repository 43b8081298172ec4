import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, createLogger } from '../../config/index.js';
import {
  createKnowledgeService,
  parseEntries,
  type FaqEntry,
  type SearchResult,
} from '../../knowledge/index.js';
import { buildHardDevSet } from '../../knowledge/dev-set.js';
import { goldExpander, scoreRankings, type EvalQuery } from '../../knowledge/evaluate.js';
import { openStore } from '../../store/index.js';

function readKb(file: string): FaqEntry[] {
  return parseEntries(readFileSync(file, 'utf8'), {
    format: extname(file).toLowerCase() === '.csv' ? 'csv' : 'jsonl',
  });
}

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

/** Share of answerable queries answered `hot` and how often that answer was right; cold share of the others. */
function tierStats(outcomes: readonly Outcome[], expand: (gold: readonly string[]) => Set<string>) {
  const answerable = outcomes.filter((o) => o.query.gold_ids.length);
  const hot = answerable.filter((o) => o.result.tier === 'hot');
  const right = hot.filter((o) => expand(o.query.gold_ids).has(o.result.results[0]?.faq_id ?? ''));
  const unanswerable = outcomes.filter((o) => !o.query.gold_ids.length);
  const ratio = (a: number, b: number) => (b ? Math.round((a / b) * 1000) / 1000 : null);
  return {
    hot_rate: ratio(hot.length, answerable.length),
    hot_precision: ratio(right.length, hot.length),
    out_of_kb: unanswerable.length,
    out_of_kb_cold: ratio(unanswerable.filter((o) => o.result.tier === 'cold').length, unanswerable.length),
  };
}

/** `hotline-assist eval retrieval|devset` — measure retrieval on a KB and query set, in a throw-away store. */
export function register(program: Command): void {
  const evaluate = program.command('eval').description('evaluate stages on development sets');

  evaluate
    .command('retrieval')
    .description('Recall@1/3/10, MRR and latency of FAQ retrieval (KB imported into a throw-away store)')
    .requiredOption('--kb <file>', 'KB as JSONL or CSV')
    .requiredOption('--queries <file>', 'JSONL {"query","gold_ids":[…]} (empty gold_ids = should be cold)')
    .option('--k <n>', 'depth of the ranking', '10')
    .option('--json', 'last line: {"n","recall1","recall3","recall10","mrr","p50_ms","p99_ms"}')
    .action(async (opts: { kb: string; queries: string; k: string; json?: boolean }) => {
      const entries = readKb(opts.kb);
      const queries = readQueries(opts.queries);
      const dir = mkdtempSync(join(tmpdir(), 'hotline-eval-'));
      const config = loadConfig({ overrides: { dataDir: dir, knowledge: { seed: '' } } });
      const store = await openStore({ sqliteFile: join(dir, 'eval.db') });
      try {
        const knowledge = await createKnowledgeService({
          store,
          config,
          logger: createLogger('warn', 'stderr'),
        });
        await knowledge.importEntries('eval', entries, { note: 'eval' });
        const k = Number.parseInt(opts.k, 10) || 10;
        const run = (q: EvalQuery) => knowledge.search(q.query, { kb: 'eval', k, minScore: 0 });
        for (const q of queries.slice(0, 20)) run(q); // JIT warm-up, not timed
        const outcomes: Outcome[] = queries.map((query) => {
          const started = performance.now();
          const result = run(query);
          return { query, result, ms: performance.now() - started };
        });
        const expand = goldExpander(entries);
        const rankingsOf = (list: readonly Outcome[]) =>
          list.map((o) => ({ ids: o.result.results.map((r) => r.faq_id), ms: o.ms }));
        const metrics = scoreRankings(queries, rankingsOf(outcomes), expand);
        const kinds = [...new Set(queries.map((q) => q.kind).filter((x): x is string => !!x))];
        const rows = [
          { set: 'all', ...metrics, ...tierStats(outcomes, expand) },
          ...kinds.map((kind) => {
            const subset = outcomes.filter((o) => o.query.kind === kind);
            return {
              set: kind,
              ...scoreRankings(
                subset.map((o) => o.query),
                rankingsOf(subset),
                expand,
              ),
              ...tierStats(subset, expand),
            };
          }),
        ];
        console.table(rows);
        if (opts.json) console.log(JSON.stringify(metrics));
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
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
        const set = buildHardDevSet(readKb(opts.kb), {
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
