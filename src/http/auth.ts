import { createHash } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Config, Logger } from '../config/index.js';
import type { AuthService } from '../cases/index.js';
import { auditEntry, type AuditInput } from '../store/index.js';
import type { Role } from './principal.js';
import { HttpError } from './errors.js';

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
  /** Every change an admin makes (any mutating request that succeeded) is audited here. */
  audit?: (entry: AuditInput) => Promise<unknown>;
  logger?: Logger;
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

/**
 * A budget per principal (token or account) on top of the one per address: a token used from many
 * addresses is still held to its budget, and many people behind one address each get their own.
 */
export function principalRateLimiter(perMinute: number, now: () => number = Date.now) {
  const windows = new Map<string, { start: number; count: number }>();
  return (principalId: string): number | null => {
    const t = now();
    if (windows.size > 10_000) for (const [k, w] of windows) if (t - w.start >= 60_000) windows.delete(k);
    const w = windows.get(principalId);
    if (!w || t - w.start >= 60_000) {
      windows.set(principalId, { start: t, count: 1 });
      return null;
    }
    w.count += 1;
    return w.count > perMinute ? Math.ceil((w.start + 60_000 - t) / 1000) : null;
  };
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What an admin change is audited with: never the body itself (passwords, texts), only its shape and hash. */
function bodySummary(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  const serialized = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    body_keys: typeof body === 'object' && !Array.isArray(body) ? Object.keys(body).sort() : [],
    body_sha256: createHash('sha256').update(serialized).digest('hex'),
    body_bytes: Buffer.byteLength(serialized),
  };
}

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
const plugin: FastifyPluginAsync<AuthPluginOptions> = async (app, { auth, config, audit, logger }) => {
  const overBudget = principalRateLimiter(config.server.rateLimitPerPrincipalPerMinute);
  await app.register(rateLimit, {
    global: true,
    max: config.server.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => request.ip,
    // The plugin throws what this builds: the one error handler answers it like any other error.
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'rate_limited', `too many requests; retry in ${context.after}`),
  });

  // Route-level hooks (where the plugin puts its limit) run after this plugin's `onRequest`, so a
  // request refused here with 401 would never be counted: bad tokens could be tried without limit.
  // The address limit therefore runs first thing for every token-checked request (once: the
  // route's own hook then sees it ran).
  const addressLimit = app.rateLimit();
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
    await addressLimit.call(app, request, reply);
    const token = requestToken(request);
    if (!token) return deny(reply, 401, 'unauthorized', messages.unauthorized as string);
    const result = await auth.authenticate(token);
    if (!result.ok) return deny(reply, 401, result.code, messages[result.code] as string);
    const allowed: readonly Role[] = declared ?? ['admin'];
    if (!allowed.includes(result.principal.role)) {
      return deny(reply, 403, 'forbidden', `role ${result.principal.role} may not ${request.method} ${path}`);
    }
    const retryAfter = overBudget(result.principal.id);
    if (retryAfter !== null) {
      return reply
        .code(429)
        .header('retry-after', String(retryAfter))
        .send({
          error: {
            code: 'rate_limited',
            message: `too many requests for this token; retry in ${retryAfter} s`,
          },
        });
    }
    request.principal = result.principal;
  });

  // All admin changes are audited, whichever route made them (routes add their own, richer
  // entries); written before the response leaves, so the change is never acknowledged unaudited.
  if (audit) {
    app.addHook('onSend', async (request, reply, payload) => {
      const p = request.principal;
      if (!p || p.role !== 'admin' || !MUTATING.has(request.method) || reply.statusCode >= 400)
        return payload;
      try {
        const route = `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;
        await audit(
          auditEntry(
            { principal: p, source: request.ip },
            'admin.change',
            { type: 'route', id: route },
            {
              status: reply.statusCode,
              params: request.params,
              ...bodySummary(request.body),
            },
          ),
        );
      } catch (err) {
        logger?.error({ err }, 'audit: admin change not recorded');
      }
      return payload;
    });
  }
};

// Hooks must reach every route of the app, not only this plugin's children (what fastify-plugin does).
(plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

export const authPlugin = plugin;
