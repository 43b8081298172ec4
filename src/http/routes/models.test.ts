import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { AsrEngineRegistry, createAsrModelVersions } from '../../asr/index.js';
import { ReferenceTextEngineDouble } from '../../asr/testing/reference-text-engine.js';
import { createLogger, loadConfig } from '../../config/index.js';
import { useContract } from '../contract.js';
import { modelRoutes } from './models.js';

async function build(registry: AsrEngineRegistry) {
  const app = Fastify();
  await useContract(app, { openApi: false });
  const versions = createAsrModelVersions({
    registry,
    config: loadConfig({ env: {} }),
    logger: createLogger('silent'),
    hotwords: () => [],
  });
  await app.register(modelRoutes, { versions });
  return app;
}

describe('ASR model versions over REST', () => {
  it('refuses to load a model folder that is not there, with a stable code', async () => {
    const app = await build(new AsrEngineRegistry({ warmUp: async () => {} }));
    const res = await app.inject({
      method: 'POST',
      url: '/api/models/asr',
      payload: { engine: 'sherpa-online', model_dir: '/nonexistent/model' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('asr_model_missing');
  });

  it('swaps, splits and rolls back between loaded versions', async () => {
    const registry = new AsrEngineRegistry({ warmUp: async () => {} });
    const older = new ReferenceTextEngineDouble(() => undefined);
    const newer = Object.assign(new ReferenceTextEngineDouble(() => undefined), { version: 'test-double-2' });
    await registry.add(older);
    await registry.add(newer);
    const app = await build(registry);

    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/models/asr/candidate',
          payload: { version: 'test-double-2', share: 0.25 },
        })
      ).statusCode,
    ).toBe(200);
    const split = (await app.inject({ method: 'GET', url: '/api/models/asr' })).json().versions;
    expect(split).toContainEqual(
      expect.objectContaining({ version: 'test-double-2', role: 'candidate', share: 0.25 }),
    );

    await app.inject({
      method: 'POST',
      url: '/api/models/asr/activate',
      payload: { version: 'test-double-2' },
    });
    expect(registry.engineFor('any-call')).toBe(newer);
    const back = await app.inject({ method: 'POST', url: '/api/models/asr/rollback' });
    expect(back.json().active).toBe('test-double');
    expect(registry.engineFor('any-call')).toBe(older);

    const unknown = await app.inject({
      method: 'POST',
      url: '/api/models/asr/activate',
      payload: { version: 'nope' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('asr_version_unknown');
  });
});
