import { createLogger, resolvePaths, type Config, type Logger } from '../config/index.js';
import {
  auditEntry,
  createStorageHealth,
  lockDataDir,
  openStore,
  type AuditInput,
  type Store,
  type StorageHealth,
} from '../store/index.js';
import type { CallAccessAudit } from '../session/index.js';
import type { CallStageOptions, CallStages } from './call-stages.js';
import type { DataStages } from './data-stages.js';
import { Teardown } from './teardown.js';

// The stages are loaded when built, not when this module is imported: a CLI command that needs the
// store alone loads nothing else, and none loads the call stages (ASR, VAD, cluster).

/** What a CLI command gets: the data stages over the server's data directory. */
export interface CommandApp extends DataStages {
  config: Config;
  logger: Logger;
  close(): Promise<void>;
}

/** The server's stages: the data stages, calls and what they need; nothing listens yet. */
export interface App extends CommandApp, CallStages {
  health: StorageHealth;
  /** Appends to the audit log; a failing store is reported to the storage health (`/readyz`). */
  audit(entry: AuditInput): Promise<unknown>;
  /** Audits who opened, followed or acted on a call. */
  callAudit: CallAccessAudit;
  /**
   * Ends every live call (last finals flushed and archived, clients told `closed`) and flushes the
   * archive. Refuses new calls from then on. Idempotent; `close` drains first.
   */
  drain(): Promise<void>;
}

export interface AppOverrides extends CallStageOptions {
  /** Defaults to the configured level on stdout. */
  logger?: Logger;
}

/** A CLI command beside a server that may be running: no data-directory lock, no journal replay, no calls. */
export interface CommandOverrides {
  role: 'command';
  logger?: Logger;
}

/**
 * The composition root: builds every stage from the one config, without listening (`startApp` in
 * `http/` adds the routes and listens). `npm start`, the CLI (`role: 'command'`) and the
 * benchmarks build the app here. The server locks the data directory first: a second server on it
 * refuses (DataDirLockedError) before touching anything.
 */
export async function buildApp(config: Config, overrides: CommandOverrides): Promise<CommandApp>;
export async function buildApp(config: Config, overrides?: AppOverrides): Promise<App>;
export async function buildApp(
  config: Config,
  overrides: AppOverrides | CommandOverrides = {},
): Promise<App | CommandApp> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  if ('role' in overrides) return buildCommandApp(config, logger);
  const paths = resolvePaths(config);
  const lock = lockDataDir(paths.lockFile, paths.dataDir);
  const teardown = new Teardown();
  teardown.add(() => lock.release());
  try {
    return await buildServerApp(config, logger, overrides, teardown);
  } catch (err) {
    await teardown.run();
    throw err;
  }
}

/** The configured database: PostgreSQL when `store.dbUrl` is set, else the data directory's SQLite file. */
export function openDataStore(config: Config): Promise<Store> {
  return openStore({ dbUrl: config.store.dbUrl, sqliteFile: resolvePaths(config).sqliteFile });
}

async function buildCommandApp(config: Config, logger: Logger): Promise<CommandApp> {
  const { buildDataStages } = await import('./data-stages.js');
  const store = await openDataStore(config);
  const teardown = new Teardown();
  teardown.add(() => store.close());
  try {
    const data = await buildDataStages({ config, logger, store, health: null, owner: false, teardown });
    return { ...data, config, logger, close: () => teardown.run() };
  } catch (err) {
    await teardown.run();
    throw err;
  }
}

async function buildServerApp(
  config: Config,
  logger: Logger,
  overrides: AppOverrides,
  teardown: Teardown,
): Promise<App> {
  const [{ buildDataStages }, { buildCallStages }] = await Promise.all([
    import('./data-stages.js'),
    import('./call-stages.js'),
  ]);
  const store = await openDataStore(config);
  teardown.add(() => store.close());
  const health = await createStorageHealth({
    dataDir: resolvePaths(config).dataDir,
    store,
    onChange: (ok, reason) =>
      ok
        ? logger.warn('storage is writable again: ready')
        : logger.error({ reason }, 'storage failed: not ready'),
  });
  teardown.add(health.watch());
  const data = await buildDataStages({ config, logger, store, health, owner: true, teardown });
  const { archive } = data;
  teardown.add(archive.retention.schedule());
  const audit = (entry: AuditInput) =>
    archive.audit.append(entry).catch((err: unknown) => {
      health.report(err, 'audit');
      throw err;
    });
  const callAudit: CallAccessAudit = async (e) => {
    await audit(auditEntry(e, e.action, { type: 'call', id: e.caseId }, e.detail));
  };
  const stages = await buildCallStages({ config, logger, data, teardown }, overrides);
  const { calls } = stages;

  let draining: Promise<void> | null = null;
  const drain = () =>
    (draining ??= (async () => {
      const live = calls.liveCount;
      if (live > 0) logger.info({ live }, 'shutting down: finishing live calls');
      if (!(await calls.shutdown(config.server.shutdownTimeoutMs)))
        logger.warn(
          'shutdown: some calls did not finish in time; their journals are recovered at the next start',
        );
      await archive.recorder.flush();
    })());
  let closing: Promise<void> | null = null;
  return {
    ...data,
    ...stages,
    config,
    logger,
    health,
    audit,
    callAudit,
    drain,
    close: () =>
      (closing ??= (async () => {
        await drain();
        await teardown.run();
      })()),
  };
}
