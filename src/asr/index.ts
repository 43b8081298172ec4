/** The speech-recognition stage: the engine contract, the engines the config selects, versions, models. */
export type { AsrEngine, AsrHypothesis, AsrStream, AsrStreamOptions } from './engine.js';
export { AsrError, type AsrErrorCode } from './errors.js';
export { createAsrEngine, createAsrRegistry, type CreateAsrEngineOptions } from './create.js';
export {
  createAsrModelVersions,
  type AsrLoadSpec,
  type AsrModelChange,
  type AsrModelVersions,
  type AsrModelVersionsOptions,
} from './model-versions.js';
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
  VadService,
  type VadServiceOptions,
  type VadSettings,
  type VadEvent,
  type VadResult,
  type VadChannel,
  type VadChannelListener,
  type TelephoneVad,
} from './vad-service.js';
export { VadModelError, type VadErrorCode } from './vad-errors.js';
export {
  SupervisedWorker,
  WorkerLoadError,
  serveParent,
  siblingModule,
  type SupervisedWorkerOptions,
  type ParentLink,
} from './inference-worker.js';
