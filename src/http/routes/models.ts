import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AsrModelVersions } from '../../asr/index.js';
import { errorResponses, type ZodTypeProvider } from '../contract.js';

export interface ModelRoutesOptions {
  versions: AsrModelVersions;
}

const loadBody = z.object({
  engine: z.enum(['sherpa-online', 'two-pass', 'remote']),
  model_dir: z.string().optional(),
  offline_model_dir: z.string().optional(),
  remote_url: z.string().url().optional(),
  remote_model: z.string().optional(),
});

const versions = z.array(
  z.object({
    version: z.string(),
    engine: z.string(),
    role: z.enum(['active', 'candidate', 'standby']),
    share: z.number().describe('share of new calls this version receives'),
  }),
);
const versionsReply = z.object({ versions });
const versionBody = z.object({ version: z.string().min(1) });

/**
 * ASR model versions: load (warmed up before it takes calls), activate (hot swap), route a share of
 * new calls to a candidate (A/B), roll back. Calls keep the engine they started with. In a cluster
 * each change reaches every node (docs/cluster.md).
 */
export const modelRoutes: FastifyPluginAsync<ModelRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { versions } = options;
  const admin = { config: { roles: ['admin'] as const } };

  const replies = { 200: versionsReply, ...errorResponses };

  app.get('/api/models/asr', { ...admin, schema: { response: replies } }, async () => ({
    versions: versions.list(),
  }));

  app.post(
    '/api/models/asr',
    { ...admin, schema: { body: loadBody, response: { 201: versionsReply, ...errorResponses } } },
    async (request, reply) =>
      reply.code(201).send({ versions: await versions.change({ op: 'load', spec: request.body }) }),
  );

  app.post(
    '/api/models/asr/activate',
    { ...admin, schema: { body: versionBody, response: replies } },
    async (request) => ({
      versions: await versions.change({ op: 'activate', version: request.body.version }),
    }),
  );

  app.post(
    '/api/models/asr/candidate',
    {
      ...admin,
      schema: { body: versionBody.extend({ share: z.number().min(0).max(1) }), response: replies },
    },
    async (request) => ({
      versions: await versions.change({
        op: 'candidate',
        version: request.body.version,
        share: request.body.share,
      }),
    }),
  );

  app.delete('/api/models/asr/candidate', { ...admin, schema: { response: replies } }, async () => ({
    versions: await versions.change({ op: 'clear_candidate' }),
  }));

  app.post(
    '/api/models/asr/rollback',
    {
      ...admin,
      schema: { response: { 200: versionsReply.extend({ active: z.string() }), ...errorResponses } },
    },
    async () => {
      const active = await versions.rollback();
      return { active, versions: versions.list() };
    },
  );
};
