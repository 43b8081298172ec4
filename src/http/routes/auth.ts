import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AuthService } from '../../cases/index.js';
import { roles } from '../principal.js';
import { asHttp } from './case-errors.js';

export interface AuthRoutesOptions {
  auth: AuthService;
}

const actor = (request: FastifyRequest) => ({ principal: request.principal ?? null, source: request.ip });
const signInLimit = { rateLimit: { max: 10, timeWindow: 60_000 } };
const role = z.enum(roles);

/** Sign-in, the current principal, and the admin's users and API tokens. */
export const authRoutes: FastifyPluginAsync<AuthRoutesOptions> = async (app, { auth }) => {
  app.post('/api/auth/login', { config: { roles: 'public', ...signInLimit } }, async (request) => {
    const body = z
      .object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) })
      .parse(request.body);
    return asHttp(auth.login(body.username, body.password, actor(request)));
  });

  // No password, so never an administrator: agents and supervisors only.
  app.post('/api/auth/dev', { config: { roles: 'public', ...signInLimit } }, async (request) => {
    const body = z
      .object({ name: z.string().trim().min(1).max(64), role: z.enum(['agent', 'supervisor']) })
      .parse(request.body);
    return asHttp(auth.devSignIn(body.name, body.role, actor(request)));
  });

  app.get('/api/auth/me', { config: { roles } }, async (request) => request.principal);

  app.post('/api/auth/logout', { config: { roles } }, async (request) => {
    if (request.principal) await auth.logout(request.principal, actor(request));
    return { ok: true };
  });

  app.get('/api/users', { config: { roles: ['admin'] } }, async () => ({ users: await auth.listUsers() }));

  app.post('/api/users', { config: { roles: ['admin'] } }, async (request, reply) => {
    const body = z
      .object({
        username: z.string().min(1).max(64),
        name: z.string().max(100).optional(),
        role,
        password: z.string().max(1024),
      })
      .strict()
      .parse(request.body);
    return reply.code(201).send(await asHttp(auth.createUser(body, actor(request))));
  });

  app.patch('/api/users/:id', { config: { roles: ['admin'] } }, async (request) => {
    const { id } = request.params as { id: string };
    const body = z
      .object({
        disabled: z.boolean().optional(),
        role: role.optional(),
        password: z.string().max(1024).optional(),
        name: z.string().max(100).optional(),
      })
      .strict()
      .parse(request.body);
    return asHttp(auth.updateUser(id, body, actor(request)));
  });

  app.get('/api/tokens', { config: { roles: ['admin'] } }, async () => ({ tokens: await auth.listTokens() }));

  app.post('/api/tokens', { config: { roles: ['admin'] } }, async (request, reply) => {
    const body = z
      .object({
        name: z.string().min(1).max(100),
        role,
        expires_in_days: z.number().positive().max(3650).optional(),
      })
      .strict()
      .parse(request.body);
    const expiresAt =
      body.expires_in_days === undefined ? null : Date.now() + body.expires_in_days * 86_400_000;
    const { token, info } = await asHttp(
      auth.createToken({ name: body.name, role: body.role, expiresAt }, actor(request)),
    );
    return reply.code(201).send({ token, ...info });
  });

  app.delete('/api/tokens/:id', { config: { roles: ['admin'] } }, async (request) => {
    const { id } = request.params as { id: string };
    return asHttp(auth.revokeToken(id, actor(request)));
  });
};
