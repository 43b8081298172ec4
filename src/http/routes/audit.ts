import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Archive } from '../../cases/index.js';

export interface AuditRoutesOptions {
  archive: Archive;
}

/** The audit log, for admins: query entries and check the hash chain. */
export const auditRoutes: FastifyPluginAsync<AuditRoutesOptions> = async (app, { archive }) => {
  app.get('/api/audit', { config: { roles: ['admin'] } }, async (request) => {
    const q = z
      .object({
        from: z.coerce.number().int().optional(),
        to: z.coerce.number().int().optional(),
        actor: z.string().optional(),
        action: z.string().optional(),
        target_type: z.string().optional(),
        target_id: z.string().optional(),
        before_seq: z.coerce.number().int().optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      })
      .parse(request.query);
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
  });

  app.get('/api/audit/verify', { config: { roles: ['admin'] } }, async () => archive.audit.verify());
};
