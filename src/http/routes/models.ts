import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Config, Logger } from '../../config/index.js';
import { createAsrEngine, type AsrEngineRegistry } from '../../asr/index.js';
import { errorResponses, type ZodTypeProvider } from '../contract.js';
import { HttpError } from '../errors.js';

export interface ModelRoutesOptions {
  registry: AsrEngineRegistry;
  config: Config;
  logger: Logger;
  /** Current hot-words for newly loaded engines. */
  hotwords(): readonly string[];
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
 * ASR model versions on this node: load (warmed up before it takes calls), activate (hot swap),
 * route a share of new calls to a candidate (A/B), roll back. Calls keep the engine they started with.
 */
export const modelRoutes: FastifyPluginAsync<ModelRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { registry } = options;
  const admin = { config: { roles: ['admin'] as const } };

  const replies = { 200: versionsReply, ...errorResponses };

  app.get('/api/models/asr', { ...admin, schema: { response: replies } }, async () => ({
    versions: registry.list(),
  }));

  app.post(
    '/api/models/asr',
    { ...admin, schema: { body: loadBody, response: { 201: versionsReply, ...errorResponses } } },
    async (request, reply) => {
      const body = request.body;
      const config: Config = {
        ...options.config,
        asr: {
          ...options.config.asr,
          engine: body.engine,
          modelDir: body.model_dir ?? options.config.asr.modelDir,
          offlineModelDir: body.offline_model_dir ?? options.config.asr.offlineModelDir,
          remoteUrl: body.remote_url ?? options.config.asr.remoteUrl,
          remoteModel: body.remote_model ?? options.config.asr.remoteModel,
        },
      };
      const engine = await createAsrEngine(config, { hotwords: options.hotwords(), logger: options.logger });
      if (!engine) throw new HttpError(400, 'asr_misconfigured', 'no engine selected');
      await registry.add(engine);
      return reply.code(201).send({ versions: registry.list() });
    },
  );

  app.post(
    '/api/models/asr/activate',
    { ...admin, schema: { body: versionBody, response: replies } },
    async (request) => {
      await registry.activate(request.body.version);
      return { versions: registry.list() };
    },
  );

  app.post(
    '/api/models/asr/candidate',
    {
      ...admin,
      schema: { body: versionBody.extend({ share: z.number().min(0).max(1) }), response: replies },
    },
    async (request) => {
      await registry.setCandidate(request.body.version, request.body.share);
      return { versions: registry.list() };
    },
  );

  app.delete('/api/models/asr/candidate', { ...admin, schema: { response: replies } }, async () => {
    registry.clearCandidate();
    return { versions: registry.list() };
  });

  app.post(
    '/api/models/asr/rollback',
    {
      ...admin,
      schema: { response: { 200: versionsReply.extend({ active: z.string() }), ...errorResponses } },
    },
    async () => {
      const active = await registry.rollback();
      return { active, versions: registry.list() };
    },
  );
};
