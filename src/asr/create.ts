import type { Config, Logger } from '../config/index.js';
import type { AsrEngine } from './engine.js';
import { AsrError } from './errors.js';
import { AsrEngineRegistry, type WarmUp } from './registry.js';
import { createRemoteEngine } from './remote.js';
import { createSherpaOnlineEngine } from './sherpa-online.js';
import { createTwoPassEngine } from './two-pass.js';

export interface CreateAsrEngineOptions {
  /** Phrases to bias recognition towards (village, road and agency names). */
  hotwords?: readonly string[];
  logger?: Logger;
}

function required(value: string | undefined, setting: string, env: string, engine: string): string {
  if (!value) throw new AsrError('asr_misconfigured', `asr.engine=${engine} needs ${setting} (${env})`);
  return value;
}

/**
 * The engine the configuration selects, loaded and ready; null for `asr.engine=none` (the server
 * then runs VAD only and tells each call `asr_unavailable`). Throws an AsrError with code
 * `asr_model_missing`, `asr_misconfigured`, `asr_model_invalid` or `asr_load_failed` when the
 * selection cannot be loaded; a bad model never reaches the native addon, so the process goes on.
 */
export async function createAsrEngine(
  config: Config,
  options: CreateAsrEngineOptions = {},
): Promise<AsrEngine | null> {
  const asr = config.asr;
  const common = {
    numThreads: asr.numThreads,
    provider: asr.provider,
    hotwordsScore: asr.hotwordsScore,
    ...(options.hotwords ? { hotwords: options.hotwords } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  };
  switch (asr.engine) {
    case 'none':
      return null;
    case 'sherpa-online':
      return createSherpaOnlineEngine({
        ...common,
        modelDir: required(asr.modelDir, 'asr.modelDir', 'HOTLINE_ASR_MODEL_DIR', asr.engine),
      });
    case 'two-pass':
      return createTwoPassEngine({
        ...common,
        ...(asr.modelDir ? { modelDir: asr.modelDir } : {}),
        offlineModelDir: required(
          asr.offlineModelDir,
          'asr.offlineModelDir',
          'HOTLINE_ASR_OFFLINE_MODEL_DIR',
          asr.engine,
        ),
      });
    case 'remote':
      return createRemoteEngine({
        url: required(asr.remoteUrl, 'asr.remoteUrl', 'HOTLINE_ASR_REMOTE_URL', asr.engine),
        model: asr.remoteModel,
        timeoutMs: asr.remoteTimeoutMs,
        ...(asr.remoteApiKey ? { apiKey: asr.remoteApiKey } : {}),
        ...(options.hotwords ? { terms: options.hotwords } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      });
  }
}

/** A remote engine has no local model to warm up, and its server may be down for now. */
export const warmUpFor = (engine: AsrEngine): { warmUp?: WarmUp } =>
  engine.name === 'remote' ? { warmUp: async () => undefined } : {};

/**
 * The registry the server starts with: the configured engine loaded, warmed up and active (empty
 * for `asr.engine=none`). A remote engine is not warmed up: there is no local model to initialise,
 * and a transcription server that is down at start must not keep the gateway from starting (its
 * utterances fail with `asr_failed` until it is back).
 */
export async function createAsrRegistry(
  config: Config,
  options: CreateAsrEngineOptions = {},
): Promise<AsrEngineRegistry> {
  const registry = new AsrEngineRegistry(options.logger ? { logger: options.logger } : {});
  const engine = await createAsrEngine(config, options);
  if (engine) await registry.add(engine, warmUpFor(engine));
  return registry;
}
