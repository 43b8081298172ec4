import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Archive } from '../../cases/index.js';
import { unauthorized } from '../errors.js';
import { asHttp } from './case-errors.js';

export interface CaseRoutesOptions {
  archive: Archive;
}

const viewer = (request: FastifyRequest) => {
  if (!request.principal) throw unauthorized();
  return { principal: request.principal, source: request.ip };
};
const time = z.union([
  z.coerce.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

/** The case archive: end-of-call records, reading, search, audio, legal hold. */
export const caseRoutes: FastifyPluginAsync<CaseRoutesOptions> = async (app, { archive }) => {
  app.post(
    '/api/case/record',
    { config: { roles: ['agent', 'supervisor', 'service'] } },
    async (request, reply) => {
      const result = await asHttp(archive.cases.record(request.body, viewer(request)));
      return reply
        .code(result.applied ? 201 : 200)
        .send({ case_id: result.caseId, revision: result.revision, applied: result.applied });
    },
  );

  app.get('/api/cases', { config: { roles: ['agent', 'supervisor', 'service'] } }, async (request) => {
    const q = z
      .object({
        from: time.optional(),
        to: time.optional(),
        agent: z.string().max(128).optional(),
        agency: z.string().max(200).optional(),
        q: z.string().min(1).max(200).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
        offset: z.coerce.number().int().min(0).default(0),
      })
      .parse(request.query);
    const cases = await asHttp(
      archive.cases.search(
        {
          from: q.from,
          to: q.to,
          agentId: q.agent,
          agency: q.agency,
          text: q.q,
          limit: q.limit,
          offset: q.offset,
        },
        viewer(request),
      ),
    );
    return { cases };
  });

  app.get('/api/case/:id', { config: { roles: ['agent', 'supervisor', 'service'] } }, async (request) => {
    const { id } = request.params as { id: string };
    return asHttp(archive.cases.get(id, viewer(request)));
  });

  app.get(
    '/api/case/:id/audio/:segment',
    { config: { roles: ['agent', 'supervisor'] } },
    async (request, reply) => {
      const { id, segment } = request.params as { id: string; segment: string };
      const audio = await asHttp(archive.cases.audio(id, segment, viewer(request)));
      return reply
        .type(audio.format === 'wav' ? 'audio/wav' : 'audio/ogg')
        .header('digest', `sha-256=${Buffer.from(audio.sha256, 'hex').toString('base64')}`)
        .header('cache-control', 'no-store')
        .send(Buffer.from(audio.data));
    },
  );

  app.post('/api/case/:id/hold', { config: { roles: ['supervisor', 'admin'] } }, async (request) => {
    const { id } = request.params as { id: string };
    const body = z
      .object({ hold: z.boolean(), reason: z.string().max(500).optional() })
      .strict()
      .parse(request.body);
    await asHttp(archive.cases.setHold(id, body.hold, body.reason ?? null, viewer(request)));
    return { case_id: id, legal_hold: body.hold };
  });
};
