import {
  loadConfig,
  resolvePaths,
  createLogger,
  type Config,
  type Logger,
  type ResolvedPaths,
} from '../config/index.js';
import { openStore, type Store } from '../store/index.js';

/** What a CLI command needs to reach the same data as the server. */
export interface CliRuntime {
  config: Config;
  paths: ResolvedPaths;
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

export async function openCliRuntime(): Promise<CliRuntime> {
  const config = loadConfig({ bundledData: true });
  const paths = resolvePaths(config);
  const logger = createCliLogger(config);
  const store = await openStore({ dbUrl: config.store.dbUrl, sqliteFile: paths.sqliteFile });
  return { config, paths, logger, store, close: () => store.close() };
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
