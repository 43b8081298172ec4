import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { Command } from 'commander';
import {
  createKnowledgeService,
  parseColumnMap,
  type ImportResult,
  type KbVersion,
  type KnowledgeService,
} from '../../knowledge/index.js';
import { fetchTaipeiFaq, TAIPEI_FAQ_SOURCE } from '../../knowledge/taipei-fetch.js';
import { withCliRuntime } from '../runtime.js';

async function withKnowledge<T>(
  work: (knowledge: KnowledgeService, defaultKb: string) => Promise<T>,
): Promise<T> {
  return withCliRuntime(async ({ store, config, logger }) => {
    // KB changes from the shell go into the same keyed audit chain as the server's.
    const { createAuditTrail } = await import('../../cases/audit-trail.js');
    const audit = await createAuditTrail({ store, config, logger });
    const knowledge = await createKnowledgeService({ store, config, logger, audit });
    try {
      return await work(knowledge, config.knowledge.defaultKb);
    } finally {
      await audit.writeCheckpoint().catch(() => undefined);
    }
  });
}

function showVersion(v: KbVersion): string {
  const what = v.kind === 'rollback' ? `rollback to v${v.restored_from}` : v.kind;
  return `v${v.version}\t${new Date(v.created_at).toISOString()}\t${what}\t${v.entry_count} entries\t+${v.added} ~${v.changed} -${v.removed}${v.note ? `\t${v.note}` : ''}`;
}

function showImport(r: ImportResult): string {
  return r.created
    ? `${r.kb}: ${showVersion(r.version)} (${r.took_ms} ms)`
    : `${r.kb}: unchanged, still v${r.version.version} (${r.version.entry_count} entries)`;
}

/** `hotline-assist kb import|versions|rollback|search|list|fetch` — the knowledge bases the assist answers from. */
export function register(program: Command): void {
  const kb = program.command('kb').description('FAQ knowledge bases: import, versions, rollback, search');

  kb.command('import <file>')
    .description(
      'import a JSONL or CSV file as the new content of a KB (records a version if anything changed)',
    )
    .option('--kb <name>', 'knowledge base (default: HOTLINE_DEFAULT_KB)')
    .option('--format <format>', 'jsonl or csv (default: from the file extension)')
    .option('--map <mapping>', 'column mapping, e.g. question=Question,answer=Answer,agency=機關')
    .option('--agency <agency>', 'agency for records without one (CSV default: file name without QA.csv)')
    .option('--merge', 'add and update only; keep entries the file does not mention')
    .option('--note <text>', 'note recorded with the version')
    .option('--json', 'print JSON')
    .action(
      async (
        file: string,
        opts: {
          kb?: string;
          format?: string;
          map?: string;
          agency?: string;
          merge?: boolean;
          note?: string;
          json?: boolean;
        },
      ) => {
        const format = (opts.format ?? (extname(file).toLowerCase() === '.csv' ? 'csv' : 'jsonl')) as
          'csv' | 'jsonl';
        if (format !== 'csv' && format !== 'jsonl')
          throw Object.assign(new Error(`--format must be jsonl or csv`), { code: 'invalid_import' });
        const body = readFileSync(file, 'utf8');
        const agency =
          opts.agency ?? (format === 'csv' ? basename(file, extname(file)).replace(/QA$/i, '') : undefined);
        const result = await withKnowledge((knowledge, defaultKb) =>
          knowledge.import(opts.kb ?? defaultKb, body, {
            format,
            mode: opts.merge ? 'merge' : 'replace',
            ...(opts.map ? { map: parseColumnMap(opts.map) } : {}),
            ...(agency ? { agency } : {}),
            note: opts.note ?? `import ${basename(file)}`,
          }),
        );
        console.log(opts.json ? JSON.stringify(result) : showImport(result));
      },
    );

  kb.command('versions')
    .description('list the versions of a KB, newest first')
    .option('--kb <name>', 'knowledge base')
    .option('--json', 'print JSON lines')
    .action(async (opts: { kb?: string; json?: boolean }) => {
      const versions = await withKnowledge((knowledge, defaultKb) =>
        knowledge.versions(opts.kb ?? defaultKb),
      );
      for (const v of versions) console.log(opts.json ? JSON.stringify(v) : showVersion(v));
    });

  kb.command('rollback <version>')
    .description('restore the content of an earlier version (recorded as a new version)')
    .option('--kb <name>', 'knowledge base')
    .action(async (version: string, opts: { kb?: string }) => {
      const v = await withKnowledge((knowledge, defaultKb) =>
        knowledge.rollback(opts.kb ?? defaultKb, Number.parseInt(version, 10)),
      );
      console.log(showVersion(v));
    });

  kb.command('list')
    .description('list knowledge bases with their active version')
    .action(async () => {
      const kbs = await withKnowledge(async (knowledge) => knowledge.kbs());
      for (const s of kbs) console.log(`${s.kb}\tv${s.version}\t${s.entries} entries`);
    });

  kb.command('search <text>')
    .description('search a KB the way the call assistant does')
    .option('--kb <name>', 'knowledge base')
    .option('-k, --k <n>', 'how many results', '5')
    .option('--agency <agency>', 'only entries of this agency')
    .option('--json', 'print the whole result as JSON')
    .action(async (text: string, opts: { kb?: string; k: string; agency?: string; json?: boolean }) => {
      const result = await withKnowledge(async (knowledge) =>
        knowledge.search(text, {
          k: Number.parseInt(opts.k, 10) || 5,
          ...(opts.kb ? { kb: opts.kb } : {}),
          ...(opts.agency ? { agency: opts.agency } : {}),
        }),
      );
      if (opts.json) {
        console.log(JSON.stringify(result));
        return;
      }
      console.log(`tier: ${result.tier}  (kb ${result.kb} v${result.kb_version}, ${result.took_ms} ms)`);
      if (result.handoff)
        console.log(
          `hand-off: ${result.handoff.agency} ${result.handoff.phone ?? ''} ${result.handoff.hours ?? ''}`.trim(),
        );
      for (const r of result.results) {
        console.log(`${r.score.toFixed(3)}  ${r.tier.padEnd(9)} ${r.faq_id}  [${r.agency}] ${r.question}`);
        console.log(`       matched: ${(r.matched ?? []).join(', ')}`);
      }
    });

  kb.command('fetch <source>')
    .description(
      `download a public FAQ and import it; source: taipei (github.com/${TAIPEI_FAQ_SOURCE.repo}, ${TAIPEI_FAQ_SOURCE.folder}/*QA.csv)`,
    )
    .option('--kb <name>', 'knowledge base')
    .option('--api-base <url>', 'GitHub API base (a mirror)', TAIPEI_FAQ_SOURCE.apiBase)
    .action(async (source: string, opts: { kb?: string; apiBase: string }) => {
      if (source !== 'taipei')
        throw Object.assign(new Error(`unknown source "${source}" (known: taipei)`), {
          code: 'invalid_source',
        });
      const entries = await fetchTaipeiFaq({
        apiBase: opts.apiBase,
        onFile: (name, n) => console.error(`  ${name}: ${n} entries`),
      });
      const result = await withKnowledge((knowledge, defaultKb) =>
        knowledge.importEntries(opts.kb ?? defaultKb, entries, { note: `fetch ${TAIPEI_FAQ_SOURCE.repo}` }),
      );
      console.log(showImport(result));
    });
}
