import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import fastifyStatic from '@fastify/static';
import type { Config, Logger } from '../config/index.js';
import { z } from 'zod';
import type { StorageHealth } from '../store/index.js';
import { errorResponses, useContract } from './contract.js';
import './principal.js';

export interface HttpServerOptions {
  config: Config;
  logger: Logger;
  /** Readiness probe details: each check returns true when ready. */
  readiness?: Record<string, () => boolean>;
  /** Storage failures in any route are answered 503 `storage_unavailable` and reported here. */
  storage?: StorageHealth;
}

/** `HOTLINE_TRUSTED_PROXIES` → fastify's trustProxy: only these peers' X-Forwarded-For is believed. */
export function trustedProxies(config: Config): string[] | false {
  const list = config.server.trustedProxies
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length > 0 ? list : false;
}

/**
 * The Fastify instance with what every route relies on: WebSocket support, the error format,
 * health checks and the built desktop. Stage routes are registered onto it by the app.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const { config } = options;
  const https =
    config.server.tlsCert && config.server.tlsKey
      ? { cert: readFileSync(config.server.tlsCert), key: readFileSync(config.server.tlsKey) }
      : null;
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: config.server.bodyLimitBytes,
    // Request lines would drown the per-call event logs; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Behind a reverse proxy, the client's own address (rate limits, audit) comes from X-Forwarded-For.
    trustProxy: trustedProxies(config),
    ...(https ? { https } : {}),
  }) as unknown as FastifyInstance;

  await useContract(app, { storage: options.storage });

  await app.register(websocket, {
    options: {
      maxPayload: config.stream.maxFrameBytes * 2,
      // FreeSWITCH's mod_audio_fork (libwebsockets) drops a handshake that does not name the
      // sub-protocol it asked for (`audio.drachtio.org`): agree to the first one offered.
      handleProtocols: (protocols: Set<string>) => [...protocols][0] ?? false,
    },
  });

  app.get(
    '/healthz',
    { config: { roles: 'public' }, schema: { response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' }),
  );
  const readiness = z.object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.record(z.string(), z.boolean()),
  });
  app.get(
    '/readyz',
    {
      config: { roles: 'public' },
      schema: { response: { 200: readiness, 503: readiness, ...errorResponses } },
    },
    async (_request, reply) => {
      const checks = Object.fromEntries(Object.entries(options.readiness ?? {}).map(([k, f]) => [k, f()]));
      const ready = Object.values(checks).every(Boolean);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
    },
  );

  const webDir = resolve(config.server.webDir);
  if (existsSync(webDir)) {
    await app.register(fastifyStatic, { root: webDir, prefix: '/', wildcard: false });
  }
  return app;
}
