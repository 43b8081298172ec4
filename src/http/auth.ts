import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Config } from '../config/index.js';
import type { AuthService } from '../cases/index.js';
import type { Role } from './principal.js';

/** A route as declared to the auth plugin, for the authorization matrix and audits of the surface. */
export interface RouteDeclaration {
  method: string;
  url: string;
  /** null: the route declared nothing (admin-only under /api). */
  roles: readonly Role[] | 'public' | null;
  websocket: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered after the auth plugin, with its role declaration. */
    declaredRoutes(): readonly RouteDeclaration[];
  }
}

export interface AuthPluginOptions {
  auth: AuthService;
  config: Config;
}

/** Bearer token from the `Authorization` header, else the `token` query parameter (browsers' WebSocket). */
export function requestToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match ? (match[1] as string) : null;
  }
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.token === 'string' && query.token ? query.token : null;
}

const deny = (reply: FastifyReply, status: 401 | 403, code: string, message: string) =>
  reply.code(status).send({ error: { code, message } });

const messages: Record<string, string> = {
  unauthorized: 'a valid token is required',
  token_expired: 'the token has expired; sign in again',
  token_revoked: 'the token was revoked',
  account_disabled: 'the account is disabled',
};

/**
 * Enforces every route (REST and WebSocket upgrades alike): routes declare `config.roles`;
 * `'public'` needs no token; an `/api` route that declares nothing is admin-only; paths outside
 * `/api` (health checks, the desktop's static files) are public. Also applies the rate limit.
 * Register it first, before any route plugin.
 */
const plugin: FastifyPluginAsync<AuthPluginOptions> = async (app, { auth, config }) => {
  await app.register(rateLimit, {
    global: true,
    max: config.server.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => request.ip,
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error: { code: 'rate_limited', message: `too many requests; retry in ${context.after}` },
    }),
  });

  const declared: RouteDeclaration[] = [];
  app.decorate('declaredRoutes', () => declared);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      declared.push({
        method,
        url: route.url,
        roles: route.config?.roles ?? null,
        websocket: Boolean(route.websocket),
      });
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const declared = request.routeOptions.config?.roles;
    if (declared === 'public') return;
    if (!(path === '/api' || path.startsWith('/api/')) && declared === undefined) return;
    const token = requestToken(request);
    if (!token) return deny(reply, 401, 'unauthorized', messages.unauthorized as string);
    const result = await auth.authenticate(token);
    if (!result.ok) return deny(reply, 401, result.code, messages[result.code] as string);
    const allowed: readonly Role[] = declared ?? ['admin'];
    if (!allowed.includes(result.principal.role)) {
      return deny(reply, 403, 'forbidden', `role ${result.principal.role} may not ${request.method} ${path}`);
    }
    request.principal = result.principal;
  });
};

// Hooks must reach every route of the app, not only this plugin's children (what fastify-plugin does).
(plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

export const authPlugin = plugin;
