import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Archive } from '../../cases/index.js';
import { caseRecordBody, caseSummary, numberedCaseSummary, numberedCaseView } from '../../protocol/index.js';
import { CASE_NO, type CaseNumberRepository } from '../../store/index.js';
import { binaryReply, errorResponses, type ZodTypeProvider } from '../contract.js';
import { unauthorized } from '../errors.js';

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
const searchQuery = z.object({
  from: time.optional(),
  to: time.optional(),
  agent: z.string().max(128).optional(),
  agency: z.string().max(200).optional(),
  q: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
const idParams = z.object({ id: z.string().describe('case id or readable number (1999-YYYYMMDD-NNNNNN)') });

const recorded = z.object({ case_id: z.string(), revision: z.number().int(), applied: z.boolean() });

/** The case archive: end-of-call records, reading, search, audio, legal hold. */
export const caseRoutes: FastifyPluginAsync<CaseRoutesOptions> = async (
  fastify,
  { archive, caseNumbers },
) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  /** The internal id of a case asked for by id or by readable number. */
  const caseIdOf = async (idOrNumber: string) =>
    (CASE_NO.test(idOrNumber) ? await caseNumbers?.caseIdOf(idOrNumber) : null) ?? idOrNumber;
  const numbered = async <T extends { id: string }>(cases: T[]) => {
    const numbers = (await caseNumbers?.numbersOf(cases.map((c) => c.id))) ?? new Map<string, string>();
    return cases.map((c) => ({ ...c, case_no: numbers.get(c.id) ?? null }));
  };

  app.post(
    '/api/case/record',
    {
      config: { roles: ['agent', 'supervisor', 'service'] },
      schema: {
        body: caseRecordBody,
        response: { 200: recorded.describe('already applied'), 201: recorded, ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await archive.cases.record(request.body, viewer(request));
      return reply
        .code(result.applied ? 201 : 200)
        .send({ case_id: result.caseId, revision: result.revision, applied: result.applied });
    },
  );

  app.get(
    '/api/cases',
    {
      config: { roles: ['agent', 'supervisor', 'service'] },
      schema: {
        querystring: searchQuery,
        response: { 200: z.object({ cases: z.array(numberedCaseSummary) }), ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      // A readable case number finds that case (if the viewer may read it), not text that contains it.
      if (q.q && CASE_NO.test(q.q.trim())) {
        const id = await caseNumbers?.caseIdOf(q.q.trim());
        if (!id) return { cases: [] };
        const found = await archive.cases.get(id, viewer(request));
        // The summary's fields of the view (parsing drops the rest).
        return { cases: await numbered([caseSummary.parse(found)]) };
      }
      const cases = await archive.cases.search(
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
      );
      return { cases: await numbered(cases) };
    },
  );

  app.get(
    '/api/case/:id',
    {
      config: { roles: ['agent', 'supervisor', 'service'] },
      schema: { params: idParams, response: { 200: numberedCaseView, ...errorResponses } },
    },
    async (request) => {
      const [view] = await numbered([
        await archive.cases.get(await caseIdOf(request.params.id), viewer(request)),
      ]);
      return view;
    },
  );

  app.get(
    '/api/case/:id/audio/:segment',
    {
      config: { roles: ['agent', 'supervisor'] },
      schema: {
        params: z.object({ id: z.string(), segment: z.string() }),
        response: {
          200: binaryReply('audio/wav or audio/ogg; `digest: sha-256=…`'),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { id, segment } = request.params;
      const audio = await archive.cases.audio(id, segment, viewer(request));
      return reply
        .type(audio.format === 'wav' ? 'audio/wav' : 'audio/ogg')
        .header('digest', `sha-256=${Buffer.from(audio.sha256, 'hex').toString('base64')}`)
        .header('cache-control', 'no-store')
        .send(Buffer.from(audio.data));
    },
  );

  app.post(
    '/api/case/:id/hold',
    {
      config: { roles: ['supervisor', 'admin'] },
      schema: {
        params: z.object({ id: z.string() }),
        body: z.object({ hold: z.boolean(), reason: z.string().max(500).optional() }).strict(),
        response: { 200: z.object({ case_id: z.string(), legal_hold: z.boolean() }), ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.params;
      const body = request.body;
      await archive.cases.setHold(id, body.hold, body.reason ?? null, viewer(request));
      return { case_id: id, legal_hold: body.hold };
    },
  );
};
