import type { FastifyInstance } from 'fastify';
import { createLogger, resolvePaths, type Config, type Logger } from '../config/index.js';
import {
  createAsrModelVersions,
  createAsrRegistry,
  VadService,
  type AsrEngine,
  type AsrEngineRegistry,
} from '../asr/index.js';
import {
  auditEntry,
  createCaseNumberRepository,
  createStorageHealth,
  lockDataDir,
  openStore,
  type DataDirLock,
} from '../store/index.js';
import { createTextNormalizer } from '../text/index.js';
import { createKnowledgeService } from '../knowledge/index.js';
import { createCallAssistantFactory, createCaseSystem, createConversationService } from '../suggest/index.js';
import { createArchive, createAuthService } from '../cases/index.js';
import { CallSessionManager, type CallAccessAudit } from '../session/index.js';
import { joinCluster } from '../cluster/index.js';
import { startTelephony, streamRoutes, telephonyRoutes, type Telephony } from '../ingress/index.js';
import { createHttpServer } from './server.js';
import { textFollowsKnowledge } from './text-stage.js';
import { authPlugin } from './auth.js';
import { createMetrics } from './metrics.js';
import { callRoutes } from './routes/calls.js';
import { modelRoutes } from './routes/models.js';
import { textRoutes } from './routes/text.js';
import { kbRoutes } from './routes/kb.js';
import { kbContentRoutes } from './routes/kb-content.js';
import { conversationRoutes } from './routes/conversation.js';
import { caseRoutes } from './routes/cases.js';
import { authRoutes } from './routes/auth.js';
import { auditRoutes } from './routes/audit.js';
import { retentionRoutes } from './routes/retention.js';
import { setupRoutes } from './routes/setup.js';
import { createFirstRunSetup } from './first-run.js';

export interface RunningApp {
  server: FastifyInstance;
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  calls: CallSessionManager;
  /** Telephony listeners (SIP, AudioSocket…), each off unless configured. */
  telephony: Telephony;
  logger: Logger;
  /** First run (no administrator yet): the one-time link that creates one; null otherwise. */
  setupUrl: string | null;
  close(): Promise<void>;
}

export interface AppOverrides {
  /**
   * Replaces the configured ASR engine. Only tests and the e2e harness use this, to inject the
   * reference-text test double; configuration can never select it.
   */
  asrEngine?: AsrEngine | null;
  /** Skips `listen` (tests that use `server.inject`). */
  listen?: boolean;
}

/**
 * The composition root: builds every stage from the one config and starts listening. The data
 * directory is locked first: a second server on it refuses (DataDirLockedError) before touching
 * anything.
 */
export async function startApp(config: Config, overrides: AppOverrides = {}): Promise<RunningApp> {
  const paths = resolvePaths(config);
  const lock = lockDataDir(paths.lockFile, paths.dataDir);
  try {
    return await assemble(config, overrides, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function assemble(config: Config, overrides: AppOverrides, lock: DataDirLock): Promise<RunningApp> {
  const logger = createLogger(config.logLevel);
  const paths = resolvePaths(config);
  const store = await openStore({ dbUrl: config.store.dbUrl, sqliteFile: paths.sqliteFile });
  const stops: Array<() => void | Promise<void>> = [];
  const health = await createStorageHealth({
    dataDir: paths.dataDir,
    store,
    onChange: (ok, reason) =>
      ok
        ? logger.warn('storage is writable again: ready')
        : logger.error({ reason }, 'storage failed: not ready'),
  });
  stops.push(health.watch());

  // Queries go through the text stage as transcripts do; KB changes are audited.
  const text = await createTextNormalizer({ config, logger });
  const archive = await createArchive({ store, config, text, logger, health });
  stops.push(archive.audit.scheduleCheckpoints());
  const auditAppend = (entry: Parameters<typeof archive.audit.append>[0]) =>
    archive.audit.append(entry).catch((err: unknown) => {
      health.report(err, 'audit');
      throw err;
    });
  const callAudit: CallAccessAudit = async (e) => {
    await auditAppend(auditEntry(e, e.action, { type: 'call', id: e.caseId }, e.detail));
  };
  const knowledge = await createKnowledgeService({
    store,
    config,
    logger,
    text,
    audit: archive.audit,
    indexCacheDir: paths.indexCacheDir,
  });
  stops.push(() => knowledge.close());
  // Knowledge → text: the KB's terms feed the lexicon; its answers mark public numbers/addresses
  // (kept in step the one way the CLI does it too).
  stops.push(textFollowsKnowledge({ config, text, knowledge, logger }));

  const caseSystem = await createCaseSystem({ config, store });
  const assistant = createCallAssistantFactory({
    knowledge,
    config,
    caseSystem,
    logger,
    // What an agent adopts or rejects in a call teaches retrieval (audited with the agent as actor).
    learn: ({ kb, ...input }, by) =>
      knowledge.feedback(
        { kb: kb ?? knowledge.defaultKb, ...input },
        { id: by, role: 'agent', source: 'call' },
      ),
  });
  const conversations = createConversationService({
    knowledge,
    config,
    caseSystem,
    // Stored redacted, purged by retention (the archive's).
    repository: archive.conversations,
    logger,
  });

  const auth = await createAuthService({ store, config, audit: archive.audit });
  const setup = await createFirstRunSetup(auth, config);
  stops.push(archive.retention.schedule());

  let registry: AsrEngineRegistry | null = null;
  if (overrides.asrEngine === undefined) {
    registry = await createAsrRegistry(config, { hotwords: text.hotwords(), logger });
    stops.push(() => registry?.close());
  }
  const asrEngineFor = (caseId: string): AsrEngine | null =>
    overrides.asrEngine !== undefined ? overrides.asrEngine : (registry?.engineFor(caseId) ?? null);
  if (!paths.vadModel) logger.warn('no VAD model configured (HOTLINE_VAD_MODEL): calls get no speech events');
  // Loaded once, in worker threads; a file that is not a Silero VAD stops the start here.
  const vad = paths.vadModel
    ? await VadService.start({ ...config.vad, model: paths.vadModel, logger })
    : null;
  if (vad) stops.push(() => vad.close());
  if (!asrEngineFor('startup-check'))
    logger.warn('no ASR model configured (HOTLINE_ASR_ENGINE): calls get speech events but no text');

  // Other nodes (docs/cluster.md): call events, case claims and KB changes; left after the calls drain.
  const asrModels =
    registry && createAsrModelVersions({ registry, config, logger, hotwords: () => text.hotwords() });
  const cluster = await joinCluster({ config, logger, store, knowledge, asrModels });
  stops.unshift(() => cluster.close());
  const metrics = createMetrics({ node: cluster.bus.nodeId });
  const caseNumbers = await createCaseNumberRepository(store);
  const calls = new CallSessionManager(
    {
      caseNumbers,
      config,
      logger,
      asrEngineFor,
      vad,
      text,
      assistant,
      recorder: archive.recorder,
      onEvent: metrics.observeEvent,
    },
    cluster.directory,
  );
  metrics.watchCalls(calls);
  // Desktops mark suggestions made from an older KB version.
  const unsubscribeKb = knowledge.onUpdated((update) => {
    for (const summary of calls.list()) {
      const session = calls.get(summary.case_id);
      if (session?.state === 'live')
        session.emit({ type: 'kb_updated', kb: update.kb, version: update.version });
    }
  });
  stops.push(unsubscribeKb);

  const server = await createHttpServer({
    config,
    logger,
    storage: health,
    readiness: {
      store: () => health.ok(),
      vad: () => paths.vadModel !== undefined,
      accepting_calls: () => !calls.shuttingDown,
    },
  });
  await server.register(authPlugin, { auth, config, audit: auditAppend, logger });
  await server.register(metrics.plugin);
  await server.register(authRoutes, { auth });
  await server.register(setupRoutes, { setup });
  await server.register(streamRoutes, {
    manager: calls,
    config,
    logger,
    onFrameProcessed: metrics.onFrameProcessed,
    onPartialsCoalesced: metrics.onPartialsCoalesced,
    audit: callAudit,
  });
  const telephony = await startTelephony({ config, logger, manager: calls });
  await server.register(telephonyRoutes, {
    telephony,
    config,
    logger,
    checkToken: async (token) => {
      const result = await auth.authenticate(token);
      return result.ok ? result.principal : null;
    },
  });
  await server.register(callRoutes, { manager: calls, config, audit: callAudit });
  await server.register(textRoutes, { text });
  await server.register(kbRoutes, { knowledge });
  await server.register(kbContentRoutes, { knowledge });
  await server.register(conversationRoutes, { conversations, audit: auditAppend });
  await server.register(caseRoutes, { archive, caseNumbers });
  await server.register(auditRoutes, { archive });
  await server.register(retentionRoutes, { archive });
  if (asrModels) await server.register(modelRoutes, { versions: asrModels });

  if (overrides.listen !== false) await server.listen({ port: config.server.port, host: config.server.host });
  else await server.ready();
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const scheme = config.server.tlsCert ? 'https' : 'http';
  const url = `${scheme}://127.0.0.1:${port}`;
  const setupCode = setup.code();
  const setupUrl = setupCode ? `${url}/#/setup/${setupCode}` : null;
  if (setupUrl)
    logger.warn({ setup_url: setupUrl }, 'first run: open the setup link once to create the administrator');
  if (config.auth.devSignIn && !['127.0.0.1', '::1', 'localhost'].includes(config.server.host))
    logger.warn(
      { host: config.server.host },
      'dev sign-in (no password) is on while listening beyond this machine',
    );
  let closing: Promise<void> | null = null;
  return {
    server,
    url,
    calls,
    telephony,
    logger,
    setupUrl,
    close() {
      closing ??= (async () => {
        // Drain: /readyz goes red, new calls and resumes are refused, live calls flush their last
        // finals into the archive and their clients get `closed` with `server_shutdown`.
        const live = calls.liveCount;
        if (live > 0) logger.info({ live }, 'shutting down: finishing live calls');
        await telephony.close();
        if (!(await calls.shutdown(config.server.shutdownTimeoutMs)))
          logger.warn(
            'shutdown: some calls did not finish in time; their journals are recovered at the next start',
          );
        await archive.recorder.flush();
        await settleSockets(server, 2_000);
        await server.close();
        for (const stop of stops.reverse()) await stop();
        await archive.audit
          .writeCheckpoint()
          .catch((err: unknown) => logger.error({ err }, 'audit: last checkpoint not written'));
        await store.close();
        lock.release();
      })();
      return closing;
    },
  };
}

/** Gives WebSocket clients a moment to receive what is already queued for them before the server closes them. */
async function settleSockets(server: FastifyInstance, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  const clients = [...(server.websocketServer?.clients ?? [])];
  while (Date.now() < deadline && clients.some((c) => c.readyState === c.OPEN && c.bufferedAmount > 0))
    await new Promise((r) => setTimeout(r, 10));
}
