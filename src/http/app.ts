import type { FastifyInstance } from 'fastify';
import { startWarmUp, type Config, type Logger } from '../config/index.js';
import { buildApp, type App, type AppOverrides } from '../app/index.js';
import type { CallSessionManager } from '../session/index.js';
import { startTelephony, streamRoutes, telephonyRoutes, type Telephony } from '../ingress/index.js';
import { createHttpServer } from './server.js';
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

export interface StartOverrides extends AppOverrides {
  /** Skips `listen` (tests that use `server.inject`). */
  listen?: boolean;
  /** Also told how long each audio frame took to process, in seconds (benchmarks). */
  onFrameProcessed?: (seconds: number) => void;
}

/** `buildApp` plus the HTTP server, its routes and the telephony listeners; then listens. */
export async function startApp(config: Config, overrides: StartOverrides = {}): Promise<RunningApp> {
  const app = await buildApp(config, overrides);
  try {
    return await serve(app, overrides);
  } catch (err) {
    await app.close();
    throw err;
  }
}

async function serve(app: App, overrides: StartOverrides): Promise<RunningApp> {
  const { config, logger, calls, text, knowledge, archive, auth } = app;
  const metrics = createMetrics({ node: app.cluster.bus.nodeId });
  metrics.watchCalls(calls);
  calls.observe(metrics.observeEvent);
  const setup = await createFirstRunSetup(auth, config);
  const server = await createHttpServer({
    config,
    logger,
    storage: app.health,
    readiness: {
      store: () => app.health.ok(),
      vad: () => app.vad !== null,
      accepting_calls: () => !calls.shuttingDown,
    },
  });
  await server.register(authPlugin, { auth, config, audit: app.audit, logger });
  await server.register(metrics.plugin);
  await server.register(authRoutes, { auth });
  await server.register(setupRoutes, { setup });
  await server.register(streamRoutes, {
    manager: calls,
    config,
    logger,
    onFrameProcessed: (seconds) => {
      metrics.onFrameProcessed(seconds);
      overrides.onFrameProcessed?.(seconds);
    },
    onPartialsCoalesced: metrics.onPartialsCoalesced,
    audit: app.callAudit,
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
  await server.register(callRoutes, { manager: calls, config, audit: app.callAudit });
  await server.register(textRoutes, { text });
  await server.register(kbRoutes, { knowledge });
  await server.register(kbContentRoutes, { knowledge });
  await server.register(conversationRoutes, { conversations: app.conversations, audit: app.audit });
  await server.register(caseRoutes, { archive, caseNumbers: app.caseNumbers });
  await server.register(auditRoutes, { archive });
  await server.register(retentionRoutes, { archive });
  if (app.asrModels) await server.register(modelRoutes, { versions: app.asrModels });

  if (overrides.listen !== false) await server.listen({ port: config.server.port, host: config.server.host });
  else await server.ready();
  // Up: what only makes later requests faster (converter tables, dictionaries, caches) runs now.
  startWarmUp();
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
        await telephony.close();
        await app.drain();
        await settleSockets(server, 2_000);
        await server.close();
        await app.close();
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
