import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Config, Logger } from '../../config/index.js';
import { AsrError, createAsrEngine, type AsrEngineRegistry } from '../../asr/index.js';
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

async function asHttp<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AsrError) {
      const status =
        err.code === 'asr_version_unknown' ? 404 : err.code === 'asr_version_conflict' ? 409 : 400;
      throw new HttpError(status, err.code, err.message);
    }
    throw err;
  }
}

/**
 * ASR model versions on this node: load (warmed up before it takes calls), activate (hot swap),
 * route a share of new calls to a candidate (A/B), roll back. Calls keep the engine they started with.
 */
export const modelRoutes: FastifyPluginAsync<ModelRoutesOptions> = async (app, options) => {
  const { registry } = options;
  const admin = { config: { roles: ['admin'] as const } };

  app.get('/api/models/asr', admin, async () => ({ versions: registry.list() }));

  app.post('/api/models/asr', admin, async (request, reply) => {
    const body = loadBody.parse(request.body);
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
    const engine = await asHttp(() =>
      createAsrEngine(config, { hotwords: options.hotwords(), logger: options.logger }),
    );
    if (!engine) throw new HttpError(400, 'asr_misconfigured', 'no engine selected');
    await asHttp(() => registry.add(engine));
    return reply.code(201).send({ versions: registry.list() });
  });

  app.post('/api/models/asr/activate', admin, async (request) => {
    const { version } = z.object({ version: z.string().min(1) }).parse(request.body);
    await asHttp(() => registry.activate(version));
    return { versions: registry.list() };
  });

  app.post('/api/models/asr/candidate', admin, async (request) => {
    const { version, share } = z
      .object({ version: z.string().min(1), share: z.number().min(0).max(1) })
      .parse(request.body);
    await asHttp(() => registry.setCandidate(version, share));
    return { versions: registry.list() };
  });

  app.delete('/api/models/asr/candidate', admin, async () => {
    registry.clearCandidate();
    return { versions: registry.list() };
  });

  app.post('/api/models/asr/rollback', admin, async () => {
    const active = await asHttp(() => registry.rollback());
    return { active, versions: registry.list() };
  });
};
