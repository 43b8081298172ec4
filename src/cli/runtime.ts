import { loadConfig, createLogger, type Config, type Logger } from '../config/index.js';
import type { Store } from '../store/index.js';

/** What a CLI command needs to reach the same data as the server. */
export interface CliRuntime {
  config: Config;
  logger: Logger;
  store: Store;
  close(): Promise<void>;
}

/**
 * CLI output is for people and pipes: library logs go to stderr, from warnings up unless asked, so
 * stdout carries only the command's data.
 */
export function createCliLogger(config: Config): Logger {
  return createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 'stderr');
}

/** The settings and logger of a CLI command (the shipped data bundled, as for `serve`). */
export function cliSettings(): { config: Config; logger: Logger } {
  const config = loadConfig({ bundledData: true });
  return { config, logger: createCliLogger(config) };
}

/** The store alone, for commands that need no other stage (audit, demo cases). */
export async function openCliRuntime(): Promise<CliRuntime> {
  const { openDataStore } = await import('../app/index.js');
  const { config, logger } = cliSettings();
  const store = await openDataStore(config);
  return { config, logger, store, close: () => store.close() };
}

/** Runs a command against a runtime from `open` and always closes it. */
export async function withOpened<R extends { close(): Promise<void> }, T>(
  open: () => Promise<R>,
  work: (runtime: R) => Promise<T>,
): Promise<T> {
  const runtime = await open();
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

/** Runs a command against the store and always closes it. */
export function withCliRuntime<T>(work: (runtime: CliRuntime) => Promise<T>): Promise<T> {
  return withOpened(openCliRuntime, work);
}
