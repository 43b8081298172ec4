import type { Command } from 'commander';
import { createCaseSystemRepository, type CaseSystemRepository, type DemoCase } from '../../store/index.js';
import { withCliRuntime } from '../runtime.js';

function withDemoCases<T>(work: (repo: CaseSystemRepository) => Promise<T>): Promise<T> {
  return withCliRuntime(async ({ store }) => work(await createCaseSystemRepository(store)));
}

function show(c: DemoCase): string {
  return [c.case_no, c.status, c.agency, new Date(c.updated_at).toISOString(), c.summary ?? ''].join('\t');
}

/**
 * `hotline-assist cases add|list|show` — the embedded demo case system that the case-status tool
 * queries when no city case system (`HOTLINE_CASE_SYSTEM_URL`) is configured.
 */
export function register(program: Command): void {
  const cases = program.command('cases').description('demo case system used by the case-status tool');

  cases
    .command('add <case_no>')
    .description('add a demo case, or update its status')
    .requiredOption('--status <status>', 'status shown to the agent, e.g. 處理中')
    .requiredOption('--agency <agency>', 'responsible agency, e.g. 工務局')
    .option('--summary <text>', 'one-line summary')
    .option('--json', 'print JSON')
    .action(
      async (caseNo: string, opts: { status: string; agency: string; summary?: string; json?: boolean }) => {
        await withDemoCases(async (repo) => {
          const saved = await repo.upsert({
            case_no: caseNo,
            status: opts.status,
            agency: opts.agency,
            summary: opts.summary,
          });
          console.log(opts.json ? JSON.stringify(saved) : show(saved));
        });
      },
    );

  cases
    .command('list')
    .description('list demo cases, most recently updated first')
    .option('--limit <n>', 'how many', '50')
    .option('--json', 'print JSON lines')
    .action(async (opts: { limit: string; json?: boolean }) => {
      await withDemoCases(async (repo) => {
        for (const c of await repo.list(Number.parseInt(opts.limit, 10) || 50))
          console.log(opts.json ? JSON.stringify(c) : show(c));
      });
    });

  cases
    .command('show <case_no>')
    .description('show one demo case')
    .option('--json', 'print JSON')
    .action(async (caseNo: string, opts: { json?: boolean }) => {
      await withDemoCases(async (repo) => {
        const found = await repo.get(caseNo);
        if (!found) {
          console.error(`hotline-assist: [unknown_case] no demo case ${caseNo}`);
          process.exitCode = 2;
          return;
        }
        console.log(opts.json ? JSON.stringify(found) : show(found));
      });
    });
}
