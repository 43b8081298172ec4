import type { Command } from 'commander';
import { withArchive } from '../archive-runtime.js';

export function register(program: Command): void {
  const retention = program.command('retention').description('retention policy, purge and legal hold');

  retention
    .command('run')
    .description('delete data past its retention period (what the scheduled purge does)')
    .option('--dry-run', 'only list what would be deleted')
    .action(async (opts: { dryRun?: boolean }) => {
      await withArchive(async ({ archive, actor }) => {
        const report = await archive.retention.run({ dryRun: Boolean(opts.dryRun), actor });
        const days = archive.retention.policy().days;
        console.log(
          `${report.dryRun ? 'would purge' : 'purged'} (now ${new Date(report.now).toISOString()}):`,
        );
        for (const [dataClass, ids] of Object.entries(report.classes)) {
          console.log(
            `  ${dataClass.padEnd(22)} ${String(days[dataClass as keyof typeof days]).padStart(5)} days  ${ids.length} case(s)${ids.length ? `: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}` : ''}`,
          );
        }
        console.log(
          `  cases deleted: ${report.casesDeleted.length}, audio files deleted: ${report.blobsDeleted}, audit entries deleted: ${report.auditEntriesDeleted}`,
        );
      });
    });

  retention
    .command('hold <case>')
    .description('put a case on legal hold (never purged) or release it')
    .option('--release', 'release the hold')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .action(async (caseId: string, opts: { release?: boolean; reason?: string }) => {
      await withArchive(async ({ archive, actor }) => {
        await archive.cases.setHold(caseId, !opts.release, opts.reason ?? null, actor);
        console.log(`${caseId}: legal hold ${opts.release ? 'released' : 'on'}`);
      });
    });
}
