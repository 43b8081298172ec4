import type { FastifyInstance } from 'fastify';
import { createLogger, resolvePaths, type Config } from '../config/index.js';
import type { AsrEngine } from '../asr/engine.js';
import { openStore } from '../store/index.js';
import { CallSessionManager } from '../session/index.js';
import { streamRoutes } from '../ingress/index.js';
import { createHttpServer } from './server.js';
import { callRoutes } from './routes/calls.js';

export interface RunningApp {
  server: FastifyInstance;
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  calls: CallSessionManager;
  close(): Promise<void>;
}

export interface AppOverrides {
  /**
   * Replaces the configured ASR engine. Only tests and the e2e harness use this, to inject the
   * reference-text test double; configuration can never select it.
   */
  asrEngine?: AsrEngine | null;
}

/** The composition root: builds every stage from the one config and starts listening. */
export async function startApp(config: Config, overrides: AppOverrides = {}): Promise<RunningApp> {
  const logger = createLogger(config.logLevel);
  const paths = resolvePaths(config);
  const store = await openStore({ dbUrl: config.store.dbUrl, sqliteFile: paths.sqliteFile });

  const asrEngine = overrides.asrEngine ?? null;
  if (!paths.vadModel) logger.warn('no VAD model configured (HOTLINE_VAD_MODEL): calls get no speech events');
  if (!asrEngine)
    logger.warn('no ASR model configured (HOTLINE_ASR_ENGINE): calls get speech events but no text');

  const calls = new CallSessionManager({
    config,
    logger,
    asrEngineFor: () => asrEngine,
    vadModel: paths.vadModel,
    text: null,
    assistant: null,
    recorder: null,
  });

  const server = await createHttpServer({
    config,
    logger,
    readiness: { store: () => true, vad: () => paths.vadModel !== undefined },
  });
  await server.register(streamRoutes, { manager: calls, config, logger });
  await server.register(callRoutes, { manager: calls, config });

  await server.listen({ port: config.server.port, host: config.server.host });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const scheme = config.server.tlsCert ? 'https' : 'http';
  return {
    server,
    url: `${scheme}://127.0.0.1:${port}`,
    calls,
    async close() {
      await calls.shutdown();
      await server.close();
      await store.close();
    },
  };
}
