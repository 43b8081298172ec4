import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AuthService } from '../../cases/index.js';
import { roles } from '../principal.js';
import { errorResponses, type ZodTypeProvider } from '../contract.js';

export interface AuthRoutesOptions {
  auth: AuthService;
}

const actor = (request: FastifyRequest) => ({ principal: request.principal ?? null, source: request.ip });
const signInLimit = { rateLimit: { max: 10, timeWindow: 60_000 } };
const role = z.enum(roles);
const idParams = z.object({ id: z.string() });

export const signInReply = z.object({
  token: z.string(),
  expiresAt: z.number(),
  user: z.object({ id: z.string(), name: z.string(), role }),
  dev: z.boolean().describe('the local dev sign-in (no password)'),
});
const principal = z.object({
  id: z.string(),
  role,
  kind: z.enum(['user', 'token', 'dev', 'peer']),
  name: z.string().optional(),
});
const user = z.object({
  id: z.string(),
  username: z.string(),
  name: z.string(),
  role,
  disabled: z.boolean(),
  dev: z.boolean(),
  createdAt: z.number(),
});
const token = z.object({
  id: z.string(),
  name: z.string(),
  role,
  userId: z.string().nullable(),
  kind: z.string(),
  createdAt: z.number(),
  expiresAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
});
const admins = { roles: ['admin'] as const };

/** Sign-in, the current principal, and the admin's users and API tokens. */
export const authRoutes: FastifyPluginAsync<AuthRoutesOptions> = async (app, { auth }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post(
    '/api/auth/login',
    {
      config: { roles: 'public', ...signInLimit },
      schema: {
        body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) }),
        response: { 200: signInReply, ...errorResponses },
      },
    },
    async (request) => auth.login(request.body.username, request.body.password, actor(request)),
  );

  // No password, so never an administrator: agents and supervisors only.
  api.post(
    '/api/auth/dev',
    {
      config: { roles: 'public', ...signInLimit },
      schema: {
        body: z.object({ name: z.string().trim().min(1).max(64), role: z.enum(['agent', 'supervisor']) }),
        response: { 200: signInReply, ...errorResponses },
      },
    },
    async (request) => auth.devSignIn(request.body.name, request.body.role, actor(request)),
  );

  api.get(
    '/api/auth/me',
    { config: { roles }, schema: { response: { 200: principal, ...errorResponses } } },
    async (request) => request.principal,
  );

  api.post(
    '/api/auth/logout',
    {
      config: { roles },
      schema: { response: { 200: z.object({ ok: z.literal(true) }), ...errorResponses } },
    },
    async (request) => {
      if (request.principal) await auth.logout(request.principal, actor(request));
      return { ok: true as const };
    },
  );

  api.get(
    '/api/users',
    { config: admins, schema: { response: { 200: z.object({ users: z.array(user) }), ...errorResponses } } },
    async () => ({ users: await auth.listUsers() }),
  );

  api.post(
    '/api/users',
    {
      config: admins,
      schema: {
        body: z
          .object({
            username: z.string().min(1).max(64),
            name: z.string().max(100).optional(),
            role,
            password: z.string().max(1024),
          })
          .strict(),
        response: { 201: user, ...errorResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await auth.createUser(request.body, actor(request))),
  );

  api.patch(
    '/api/users/:id',
    {
      config: admins,
      schema: {
        params: idParams,
        body: z
          .object({
            disabled: z.boolean().optional(),
            role: role.optional(),
            password: z.string().max(1024).optional(),
            name: z.string().max(100).optional(),
          })
          .strict(),
        response: { 200: user, ...errorResponses },
      },
    },
    async (request) => auth.updateUser(request.params.id, request.body, actor(request)),
  );

  api.get(
    '/api/tokens',
    {
      config: admins,
      schema: { response: { 200: z.object({ tokens: z.array(token) }), ...errorResponses } },
    },
    async () => ({ tokens: await auth.listTokens() }),
  );

  api.post(
    '/api/tokens',
    {
      config: admins,
      schema: {
        body: z
          .object({
            name: z.string().min(1).max(100),
            role,
            expires_in_days: z.number().positive().max(3650).optional(),
          })
          .strict(),
        response: {
          201: token.extend({ token: z.string().describe('the secret, shown once') }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const expiresAt =
        body.expires_in_days === undefined ? null : Date.now() + body.expires_in_days * 86_400_000;
      const created = await auth.createToken({ name: body.name, role: body.role, expiresAt }, actor(request));
      return reply.code(201).send({ token: created.token, ...created.info });
    },
  );

  api.delete(
    '/api/tokens/:id',
    { config: admins, schema: { params: idParams, response: { 200: token, ...errorResponses } } },
    async (request) => auth.revokeToken(request.params.id, actor(request)),
  );
};
