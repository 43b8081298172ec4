import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Archive } from '../../cases/index.js';
import { errorResponses, type ZodTypeProvider } from '../contract.js';

export interface AuditRoutesOptions {
  archive: Archive;
}

const auditQuery = z.object({
  from: z.coerce.number().int().optional(),
  to: z.coerce.number().int().optional(),
  actor: z.string().optional(),
  action: z.string().optional(),
  target_type: z.string().optional(),
  target_id: z.string().optional(),
  before_seq: z.coerce.number().int().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const auditEntry = z.object({
  seq: z.number().int(),
  ts: z.number().int(),
  actorId: z.string().nullable(),
  actorRole: z.string().nullable(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  source: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
const verification = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  brokenAt: z.number().int().nullable(),
  reason: z.unknown().describe('what is wrong, when not ok'),
  unkeyedEntries: z.number().int(),
  checkpoints: z.object({ checked: z.number().int(), latestSeq: z.number().int().nullable() }),
});

/** The audit log, for admins: query entries and check the hash chain. */
export const auditRoutes: FastifyPluginAsync<AuditRoutesOptions> = async (app, { archive }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/audit',
    {
      config: { roles: ['admin'] },
      schema: {
        querystring: auditQuery,
        response: { 200: z.object({ entries: z.array(auditEntry) }), ...errorResponses },
      },
    },
    async ({ query: q }) => {
      const entries = await archive.audit.query({
        from: q.from,
        to: q.to,
        actorId: q.actor,
        action: q.action,
        targetType: q.target_type,
        targetId: q.target_id,
        beforeSeq: q.before_seq,
        limit: q.limit,
      });
      return { entries };
    },
  );

  api.get(
    '/api/audit/verify',
    { config: { roles: ['admin'] }, schema: { response: { 200: verification, ...errorResponses } } },
    async () => archive.audit.verify(),
  );
};
