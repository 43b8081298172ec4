import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Archive } from '../../cases/index.js';

export interface RetentionRoutesOptions {
  archive: Archive;
}

/** Retention policy and an on-demand purge (the scheduled one runs anyway). */
export const retentionRoutes: FastifyPluginAsync<RetentionRoutesOptions> = async (app, { archive }) => {
  app.get('/api/retention/policy', { config: { roles: ['admin', 'supervisor'] } }, async () =>
    archive.retention.policy(),
  );

  app.post('/api/retention/run', { config: { roles: ['admin'] } }, async (request) => {
    const body = z
      .object({ dry_run: z.boolean().default(false) })
      .strict()
      .parse(request.body ?? {});
    return archive.retention.run({
      dryRun: body.dry_run,
      actor: { principal: request.principal ?? null, source: request.ip },
    });
  });
};
