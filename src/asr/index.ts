/** The speech-recognition stage: the engine contract, the engines the config selects, versions, models. */
export type { AsrEngine, AsrHypothesis, AsrStream, AsrStreamOptions } from './engine.js';
export { AsrError, type AsrErrorCode } from './errors.js';
export { createAsrEngine, createAsrRegistry, type CreateAsrEngineOptions } from './create.js';
export {
  AsrEngineRegistry,
  warmUpWithSilence,
  type AsrEngineRegistryOptions,
  type AsrVersionInfo,
  type WarmUp,
} from './registry.js';
export {
  detectOnlineModel,
  detectOfflineModel,
  type OnlineModelFolder,
  type OfflineModelFolder,
} from './model-folder.js';
export { modelCatalog, findCatalogEntry, checkModel, type ModelCatalogEntry } from './catalog.js';
export { checkModelDir, describeModelCheck, type ModelCheckReport } from './model-check.js';
export {
  fetchModel,
  modelPath,
  ModelFetchError,
  type ModelFetchErrorCode,
  type FetchModelOptions,
  type FetchProgress,
  type FetchedModel,
} from './download.js';
export {
  VoiceActivityDetector,
  VadPool,
  VadModelMissingError,
  type VadSettings,
  type VadEvent,
} from './vad.js';
