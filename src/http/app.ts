import type { FastifyInstance } from 'fastify';
import { createLogger, resolvePaths, type Config } from '../config/index.js';
import { openStore } from '../store/index.js';
import { createHttpServer } from './server.js';

export interface RunningApp {
  server: FastifyInstance;
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  close(): Promise<void>;
}

/** The composition root: builds every stage from the one config and starts listening. */
export async function startApp(config: Config): Promise<RunningApp> {
  const logger = createLogger(config.logLevel);
  const paths = resolvePaths(config);
  const store = await openStore({ dbUrl: config.store.dbUrl, sqliteFile: paths.sqliteFile });
  const server = await createHttpServer({ config, logger, readiness: { store: () => true } });
  await server.listen({ port: config.server.port, host: config.server.host });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const scheme = config.server.tlsCert ? 'https' : 'http';
  return {
    server,
    url: `${scheme}://127.0.0.1:${port}`,
    async close() {
      await server.close();
      await store.close();
    },
  };
}
