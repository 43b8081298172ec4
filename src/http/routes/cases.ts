import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Archive } from '../../cases/index.js';
import { CASE_NO, type CaseNumberRepository } from '../../store/index.js';
import { unauthorized } from '../errors.js';
import { asHttp } from './case-errors.js';

export interface CaseRoutesOptions {
  archive: Archive;
  /** Readable numbers: shown with each case, and a case can be asked for by its number. */
  caseNumbers?: Pick<CaseNumberRepository, 'numbersOf' | 'caseIdOf'>;
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
export const caseRoutes: FastifyPluginAsync<CaseRoutesOptions> = async (app, { archive, caseNumbers }) => {
  /** The internal id of a case asked for by id or by readable number. */
  const caseIdOf = async (idOrNumber: string) =>
    (CASE_NO.test(idOrNumber) ? await caseNumbers?.caseIdOf(idOrNumber) : null) ?? idOrNumber;
  const numbered = async <T extends { id: string }>(cases: T[]) => {
    const numbers = (await caseNumbers?.numbersOf(cases.map((c) => c.id))) ?? new Map<string, string>();
    return cases.map((c) => ({ ...c, case_no: numbers.get(c.id) ?? null }));
  };

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
    // A readable case number finds that case (if the viewer may read it), not text that contains it.
    if (q.q && CASE_NO.test(q.q.trim())) {
      const id = await caseNumbers?.caseIdOf(q.q.trim());
      if (!id) return { cases: [] };
      const found = await asHttp(archive.cases.get(id, viewer(request)));
      return {
        cases: await numbered([
          {
            id: found.id,
            agent_id: found.agent_id,
            status: found.status,
            started_at: found.started_at,
            ended_at: found.ended_at,
            category: found.category,
            agency: found.agency,
            legal_hold: found.legal_hold,
          },
        ]),
      };
    }
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
    return { cases: await numbered(cases) };
  });

  app.get('/api/case/:id', { config: { roles: ['agent', 'supervisor', 'service'] } }, async (request) => {
    const { id } = request.params as { id: string };
    const [view] = await numbered([await asHttp(archive.cases.get(await caseIdOf(id), viewer(request)))]);
    return view;
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
