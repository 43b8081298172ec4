export { configSchema, type Config, type ConfigInput } from './schema.js';
export { loadConfig, ConfigError, ENV_BINDINGS, type LoadConfigOptions } from './load.js';
export {
  resolvePaths,
  BUNDLED_DATA_DIR,
  BUNDLED_SETTINGS,
  DEFAULT_ASR_MODELS,
  type ResolvedPaths,
} from './paths.js';
export { createLogger, type Logger } from './logger.js';
export { weakSecretReason } from './secrets.js';
export { warmUpLater, startWarmUp } from './warm-up.js';
export { checksReplies } from './run-mode.js';
