import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { FirstRunSetup } from '../first-run.js';
import { asHttp } from './case-errors.js';

export interface SetupRoutesOptions {
  setup: FirstRunSetup;
}

/** First run: whether the administrator still has to be created, and creating them with the printed code. */
export const setupRoutes: FastifyPluginAsync<SetupRoutesOptions> = async (app, { setup }) => {
  app.get('/api/setup', { config: { roles: 'public' } }, async () => ({ needed: setup.code() !== null }));

  app.post(
    '/api/setup/admin',
    { config: { roles: 'public', rateLimit: { max: 10, timeWindow: 60_000 } } },
    async (request) => {
      const body = z
        .object({
          code: z.string().min(1).max(200),
          username: z.string().min(1).max(64),
          name: z.string().trim().min(1).max(100).optional(),
          password: z.string().max(1024),
        })
        .strict()
        .parse(request.body);
      const { code, ...input } = body;
      return asHttp(setup.createAdmin(code, input, { principal: null, source: request.ip }));
    },
  );
};
