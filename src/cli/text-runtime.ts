import type { CommandApp } from '../app/index.js';
import { cliSettings, withOpened } from './runtime.js';

/**
 * The text stage, the knowledge bases, the archive and the accounts as the CLI reaches them: built
 * by the app's composition root from the same store as the server (queries through the text stage,
 * KB changes audited, the KB's office numbers public to redaction).
 */
export async function openTextCli(): Promise<CommandApp> {
  // Loaded here, not at import: every CLI command module is imported on each invocation.
  const { buildApp } = await import('../app/index.js');
  const { config, logger } = cliSettings();
  return buildApp(config, { role: 'command', logger });
}

/** Runs a command with the text stage and always closes the store. */
export function withTextCli<T>(work: (rt: CommandApp) => Promise<T>): Promise<T> {
  return withOpened(openTextCli, work);
}
