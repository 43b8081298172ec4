import type { Command } from 'commander';
import { withCliRuntime, type CliRuntime } from '../runtime.js';

/** Loaded when the command runs, not at import: every command module is imported on each invocation. */
async function openTrail({ store, config, logger }: CliRuntime) {
  const { createAuditTrail } = await import('../../cases/audit-trail.js');
  return createAuditTrail({ store, config, logger });
}

export function register(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit log');

  audit
    .command('verify')
    .description(
      'check the keyed audit chain and its signed checkpoints (exit 1 when an entry was edited, deleted, truncated or rewritten)',
    )
    .option('--json', 'print the full result as JSON')
    .action(async (opts: { json?: boolean }) => {
      await withCliRuntime(async (runtime) => {
        const trail = await openTrail(runtime);
        const result = await trail.verify();
        if (opts.json) console.log(JSON.stringify(result));
        else if (result.ok)
          console.log(
            `audit log intact: ${result.checked} entries checked against ${result.checkpoints.checked} checkpoint(s)${result.unkeyedEntries ? ` (${result.unkeyedEntries} from before keying, plain sha256)` : ''}`,
          );
        else
          console.log(
            `audit log BROKEN: ${result.reason} at seq ${result.brokenAt ?? '?'} (${result.checked} entries checked before it)`,
          );
        if (!result.ok) process.exitCode = 1;
      });
    });

  audit
    .command('checkpoint')
    .description(
      'write a signed checkpoint of the chain head now (the server writes one every HOTLINE_AUDIT_CHECKPOINT_SECONDS)',
    )
    .action(async () => {
      await withCliRuntime(async (runtime) => {
        const trail = await openTrail(runtime);
        const checkpoint = await trail.writeCheckpoint();
        console.log(JSON.stringify(checkpoint));
      });
    });
}
