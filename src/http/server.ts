import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Fastify, { LogController, type FastifyInstance, type FastifyError } from 'fastify';
import websocket from '@fastify/websocket';
import fastifyStatic from '@fastify/static';
import { ZodError } from 'zod';
import type { Config, Logger } from '../config/index.js';
import { isStorageError, StorageUnavailableError, type StorageHealth } from '../store/index.js';
import { HttpError } from './errors.js';
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

  app.setErrorHandler((err: FastifyError | HttpError | ZodError, request, reply) => {
    // Fail closed and say so: a full or failing disk is not an "internal error", and nothing was stored.
    if (err instanceof StorageUnavailableError || isStorageError(err)) {
      options.storage?.report(err, `${request.method} ${request.routeOptions.url ?? request.url}`);
      request.log.error({ err }, 'storage failed under a request');
      return reply.code(503).send({
        error: {
          code: 'storage_unavailable',
          message: 'storage is unavailable (disk full or failing); nothing was stored, retry later',
        },
      });
    }
    if (err instanceof HttpError) {
      return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message } });
    }
    if (err instanceof ZodError) {
      const message = err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      return reply.code(400).send({ error: { code: 'invalid_body', message } });
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) request.log.error({ err }, 'request failed');
    const code =
      status === 413
        ? 'body_too_large'
        : status === 429
          ? 'rate_limited'
          : err.validation
            ? 'invalid_request'
            : status >= 500
              ? 'internal'
              : (err.code?.toLowerCase() ?? 'bad_request');
    return reply
      .code(status)
      .send({ error: { code, message: status >= 500 ? 'internal server error' : err.message } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` },
    }),
  );

  await app.register(websocket, {
    options: {
      maxPayload: config.stream.maxFrameBytes * 2,
      // FreeSWITCH's mod_audio_fork (libwebsockets) drops a handshake that does not name the
      // sub-protocol it asked for (`audio.drachtio.org`): agree to the first one offered.
      handleProtocols: (protocols: Set<string>) => [...protocols][0] ?? false,
    },
  });

  app.get('/healthz', { config: { roles: 'public' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { roles: 'public' } }, async (_request, reply) => {
    const checks = Object.fromEntries(Object.entries(options.readiness ?? {}).map(([k, f]) => [k, f()]));
    const ready = Object.values(checks).every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });

  const webDir = resolve(config.server.webDir);
  if (existsSync(webDir)) {
    await app.register(fastifyStatic, { root: webDir, prefix: '/', wildcard: false });
  }
  return app;
}
