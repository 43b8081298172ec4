import type { Command } from 'commander';
import { parseSince, withArchive } from '../archive-runtime.js';

export function register(program: Command): void {
  program
    .command('export <kind>')
    .description(
      'training data, redacted: `asr` (manifest.jsonl + WAV of agent-verified utterances) or `replies` (chat JSONL of adopted/edited reply scripts)',
    )
    .requiredOption('--since <when>', 'calls started since: a date (2026-01-01) or days back (30d)')
    .requiredOption('--out <dir>', 'output folder')
    .action(async (kind: string, opts: { since: string; out: string }) => {
      if (kind !== 'asr' && kind !== 'replies')
        throw Object.assign(new Error(`unknown export ${kind}; asr or replies`), { code: 'invalid_export' });
      const since = parseSince(opts.since);
      await withArchive(async ({ archive, actor }) => {
        const report = await archive.exports[kind]({ since, out: opts.out, actor });
        const skipped = Object.entries(report.skipped)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        console.log(`${report.manifest}: ${report.written} written${skipped ? `; skipped: ${skipped}` : ''}`);
      });
    });
}
