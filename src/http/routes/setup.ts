import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { FirstRunSetup } from '../first-run.js';
import { errorResponses, type ZodTypeProvider } from '../contract.js';
import { signInReply } from './auth.js';

export interface SetupRoutesOptions {
  setup: FirstRunSetup;
}

const createAdminBody = z
  .object({
    code: z.string().min(1).max(200),
    username: z.string().min(1).max(64),
    name: z.string().trim().min(1).max(100).optional(),
    password: z.string().max(1024),
  })
  .strict();

/** First run: whether the administrator still has to be created, and creating them with the printed code. */
export const setupRoutes: FastifyPluginAsync<SetupRoutesOptions> = async (app, { setup }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/setup',
    {
      config: { roles: 'public' },
      schema: { response: { 200: z.object({ needed: z.boolean() }), ...errorResponses } },
    },
    async () => ({ needed: setup.code() !== null }),
  );

  api.post(
    '/api/setup/admin',
    {
      config: { roles: 'public', rateLimit: { max: 10, timeWindow: 60_000 } },
      schema: { body: createAdminBody, response: { 200: signInReply, ...errorResponses } },
    },
    async (request) => {
      const { code, ...input } = request.body;
      return setup.createAdmin(code, input, { principal: null, source: request.ip });
    },
  );
};
