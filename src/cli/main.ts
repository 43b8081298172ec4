import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command } from 'commander';
import type { CliCommandModule } from './command.js';

/**
 * `hotline-assist` — every file in ./commands exports `register(program)`, so each stage adds its
 * own command group (serve, models, kb, text, eval, users, tokens, retention, export, cases…)
 * without editing this file.
 */
const program = new Command('hotline-assist')
  .description('Hotline Assist: real-time agent assist for citizen hotlines')
  .showHelpAfterError()
  .enablePositionalOptions();

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), 'commands');
const files = readdirSync(commandsDir)
  .filter((f) => /\.(ts|js)$/.test(f) && !/\.test\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
  .sort();
for (const file of files) {
  const mod = (await import(pathToFileURL(join(commandsDir, file)).href)) as CliCommandModule;
  mod.register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const e = err as Error & { code?: string };
  console.error(`hotline-assist: ${e.code ? `[${e.code}] ` : ''}${e.message}`);
  process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 1;
}
