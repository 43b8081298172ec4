import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Archive } from '../../cases/index.js';
import { errorResponses, type ZodTypeProvider } from '../contract.js';

export interface RetentionRoutesOptions {
  archive: Archive;
}

const policy = z.object({
  days: z.record(z.string(), z.number()).describe('days each data class is kept'),
  purgeIntervalMinutes: z.number(),
});
const purgeReport = z.object({
  dryRun: z.boolean(),
  now: z.number(),
  classes: z.record(z.string(), z.array(z.string())).describe('case ids whose data of each class expired'),
  casesDeleted: z.array(z.string()),
  blobsDeleted: z.number().int(),
  auditEntriesDeleted: z.number().int(),
  conversationsDeleted: z.number().int(),
});

/** Retention policy and an on-demand purge (the scheduled one runs anyway). */
export const retentionRoutes: FastifyPluginAsync<RetentionRoutesOptions> = async (app, { archive }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/retention/policy',
    { config: { roles: ['admin', 'supervisor'] }, schema: { response: { 200: policy, ...errorResponses } } },
    async () => archive.retention.policy(),
  );

  api.post(
    '/api/retention/run',
    {
      config: { roles: ['admin'] },
      schema: {
        body: z
          .object({ dry_run: z.boolean().default(false) })
          .strict()
          .prefault({}),
        response: { 200: purgeReport, ...errorResponses },
      },
    },
    async (request) =>
      archive.retention.run({
        dryRun: request.body.dry_run,
        actor: { principal: request.principal ?? null, source: request.ip },
      }),
  );
};
