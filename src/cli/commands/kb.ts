import { readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { Command } from 'commander';
import {
  exportEntries,
  parseColumnMap,
  type Actor,
  type ImportResult,
  type KbVersion,
  type KnowledgeService,
} from '../../knowledge/index.js';
import { fetchTaipeiFaq, TAIPEI_FAQ_SOURCE } from '../../knowledge/taipei-fetch.js';
import { withArchive } from '../archive-runtime.js';

/**
 * Runs a command against the knowledge bases as the server builds them (text stage, audit): every
 * change is audited with whoever runs the CLI on this machine as the actor.
 */
async function withKnowledge<T>(
  work: (knowledge: KnowledgeService, defaultKb: string, actor: Actor) => Promise<T>,
): Promise<T> {
  return withArchive(async ({ knowledge, config, actor }) =>
    work(knowledge, config.knowledge.defaultKb, {
      id: actor.principal?.id ?? null,
      role: actor.principal?.role ?? null,
      source: actor.source,
    }),
  );
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

/**
 * `hotline-assist kb import|export|versions|rollback|search|list|fetch|phrasings|vocabulary|learned` — the
 * knowledge bases the assist answers from.
 */
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
    .option(
      '--exact-phrasings',
      "only the file's similar questions (default: entries without any keep theirs or get the shipped ones)",
    )
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
          exactPhrasings?: boolean;
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
        const result = await withKnowledge((knowledge, defaultKb, actor) =>
          knowledge.import(
            opts.kb ?? defaultKb,
            body,
            {
              format,
              mode: opts.merge ? 'merge' : 'replace',
              ...(opts.map ? { map: parseColumnMap(opts.map) } : {}),
              ...(agency ? { agency } : {}),
              note: opts.note ?? `import ${basename(file)}`,
              keepPhrasings: !opts.exactPhrasings,
            },
            actor,
          ),
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
      const v = await withKnowledge((knowledge, defaultKb, actor) =>
        knowledge.rollback(opts.kb ?? defaultKb, Number.parseInt(version, 10), actor),
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
        console.log(
          `${r.confidence.toFixed(2)}  ${r.tier.padEnd(9)} ${r.faq_id}  [${r.agency}] ${r.question}`,
        );
        if (r.phrasing) console.log(`       similar question: ${r.phrasing}`);
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
      const result = await withKnowledge((knowledge, defaultKb, actor) =>
        knowledge.importEntries(
          opts.kb ?? defaultKb,
          entries,
          { note: `fetch ${TAIPEI_FAQ_SOURCE.repo}` },
          actor,
        ),
      );
      console.log(showImport(result));
    });

  kb.command('export')
    .description('write a KB as JSONL (every field, similar questions included) or CSV, for kb import')
    .option('--kb <name>', 'knowledge base')
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .option('--out <file>', 'output file (default: stdout)')
    .action(async (opts: { kb?: string; format: string; out?: string }) => {
      if (opts.format !== 'csv' && opts.format !== 'jsonl')
        throw Object.assign(new Error('--format must be jsonl or csv'), { code: 'invalid_format' });
      const format = opts.format;
      const body = await withKnowledge(async (knowledge, defaultKb) =>
        exportEntries(knowledge.entries(opts.kb ?? defaultKb), format),
      );
      if (opts.out) writeFileSync(opts.out, body);
      else process.stdout.write(body);
    });

  registerPhrasings(kb);
  registerVocabulary(kb);
  registerLearned(kb);
}

/** `kb phrasings list|add|remove|approve|review` — an entry's similar questions (相似問法). */
function registerPhrasings(kb: Command): void {
  const phrasings = kb.command('phrasings').description("an entry's similar questions (相似問法)");
  phrasings
    .command('list <entry>')
    .option('--kb <name>', 'knowledge base')
    .action(async (id: string, opts: { kb?: string }) => {
      const entry = await withKnowledge(async (knowledge, defaultKb) =>
        knowledge.entry(opts.kb ?? defaultKb, id),
      );
      if (!entry) throw Object.assign(new Error(`no entry "${id}"`), { code: 'unknown_entry' });
      console.log(entry.question);
      for (const p of entry.phrasings ?? []) console.log(`${p.status}\t${p.source}\t${p.text}`);
    });
  phrasings
    .command('add <entry> <text...>')
    .description('add similar questions (approved, written for the entry as it is now)')
    .option('--kb <name>', 'knowledge base')
    .action(async (id: string, texts: string[], opts: { kb?: string }) => {
      const v = await withKnowledge((knowledge, defaultKb, actor) =>
        knowledge.addPhrasings(opts.kb ?? defaultKb, id, texts, actor),
      );
      console.log(showVersion(v));
    });
  for (const [name, description] of [
    ['remove', 'remove a similar question'],
    ['approve', 'approve a similar question marked for review (or pending) for the entry as it is now'],
  ] as const) {
    phrasings
      .command(`${name} <entry> <text>`)
      .description(description)
      .option('--kb <name>', 'knowledge base')
      .action(async (id: string, text: string, opts: { kb?: string }) => {
        const v = await withKnowledge((knowledge, defaultKb, actor) =>
          name === 'remove'
            ? knowledge.removePhrasing(opts.kb ?? defaultKb, id, text, actor)
            : knowledge.approvePhrasing(opts.kb ?? defaultKb, id, text, actor),
        );
        console.log(showVersion(v));
      });
  }
  phrasings
    .command('review')
    .description('list similar questions waiting for an editor (written for an older wording of their entry)')
    .option('--kb <name>', 'knowledge base')
    .action(async (opts: { kb?: string }) => {
      const entries = await withKnowledge(async (knowledge, defaultKb) =>
        knowledge.entries(opts.kb ?? defaultKb),
      );
      for (const e of entries)
        for (const p of e.phrasings ?? [])
          if (p.status !== 'approved') console.log(`${e.id}\t${p.status}\t${p.text}`);
    });
}

/** `kb vocabulary list|add|remove` — admin colloquial → official terms, versioned with the KB. */
function registerVocabulary(kb: Command): void {
  const vocabulary = kb.command('vocabulary').description('colloquial → official vocabulary added by admins');
  vocabulary
    .command('list')
    .option('--kb <name>', 'knowledge base')
    .action(async (opts: { kb?: string }) => {
      const terms = await withKnowledge(async (knowledge, defaultKb) =>
        knowledge.vocabulary(opts.kb ?? defaultKb),
      );
      for (const t of terms) console.log(`${t.colloquial}\t${t.official.join('|')}`);
    });
  vocabulary
    .command('add <colloquial> <official>')
    .description('add a term: what callers say, and the KB wording (alternatives separated by |)')
    .option('--kb <name>', 'knowledge base')
    .action(async (colloquial: string, official: string, opts: { kb?: string }) => {
      const v = await withKnowledge((knowledge, defaultKb, actor) =>
        knowledge.addVocabulary(opts.kb ?? defaultKb, [{ colloquial, official: official.split('|') }], actor),
      );
      console.log(showVersion(v));
    });
  vocabulary
    .command('remove <colloquial>')
    .option('--kb <name>', 'knowledge base')
    .action(async (colloquial: string, opts: { kb?: string }) => {
      const v = await withKnowledge((knowledge, defaultKb, actor) =>
        knowledge.removeVocabulary(opts.kb ?? defaultKb, colloquial, actor),
      );
      console.log(showVersion(v));
    });
}

/** `kb learned list|approve|remove` — similar questions learned from agents' adoptions. */
function registerLearned(kb: Command): void {
  const learned = kb.command('learned').description("similar questions learned from agents' adoptions");
  learned
    .command('list')
    .option('--kb <name>', 'knowledge base')
    .option('--json', 'print JSON lines')
    .action(async (opts: { kb?: string; json?: boolean }) => {
      const rows = await withKnowledge(async (knowledge, defaultKb) =>
        knowledge.learned(opts.kb ?? defaultKb),
      );
      for (const r of rows)
        console.log(
          opts.json
            ? JSON.stringify(r)
            : `${r.id}\t${r.status}\t+${r.adoptions} -${r.rejections}\t${r.entry_id}\t${r.text}`,
        );
    });
  for (const [name, status] of [
    ['approve', 'learned'],
    ['remove', 'removed'],
  ] as const) {
    learned
      .command(`${name} <id>`)
      .option('--kb <name>', 'knowledge base')
      .action(async (id: string, opts: { kb?: string }) => {
        const row = await withKnowledge((knowledge, defaultKb, actor) =>
          knowledge.setLearnedStatus(opts.kb ?? defaultKb, id, status, actor),
        );
        console.log(`${row.id}\t${row.status}\t${row.text}`);
      });
  }
}
