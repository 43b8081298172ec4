import { AsrError } from './errors.js';
import {
  folderProblem,
  supportsHotwords,
  type OfflineModelFolder,
  type OnlineModelFolder,
} from './model-folder.js';
import type { CommonModelConfig, FeatureAndDecodingConfig } from './sherpa-addon.js';

export const SAMPLE_RATE = 16000;

export interface RecognizerSettings {
  numThreads: number;
  provider: string;
  /** Only for transducers: switches decoding to modified beam search. */
  hotwordsFile?: string;
  hotwordsScore?: number;
}

type ModelFolder = OnlineModelFolder | OfflineModelFolder;

/** The model fields sherpa-onnx takes for every architecture, streaming or not. */
export function commonModelConfig(folder: ModelFolder, settings: RecognizerSettings): CommonModelConfig {
  return {
    tokens: folder.tokens,
    numThreads: settings.numThreads,
    provider: settings.provider,
    debug: 0,
    modelingUnit: folder.bpeVocab ? 'cjkchar+bpe' : 'cjkchar',
    ...(folder.bpeVocab ? { bpeVocab: folder.bpeVocab } : {}),
  };
}

/** Features and decoding, the same for both recognizers: hot-words switch a transducer to beam search. */
export function featureAndDecodingConfig(
  folder: ModelFolder,
  settings: RecognizerSettings,
): FeatureAndDecodingConfig {
  const hotwords = supportsHotwords(folder) && settings.hotwordsFile !== undefined;
  return {
    featConfig: { sampleRate: SAMPLE_RATE, featureDim: 80 },
    decodingMethod: hotwords ? 'modified_beam_search' : 'greedy_search',
    ...(hotwords
      ? { maxActivePaths: 4, hotwordsFile: settings.hotwordsFile, hotwordsScore: settings.hotwordsScore }
      : {}),
  };
}

/** Refuses a folder whose ONNX files are not models before sherpa-onnx sees them. */
export function assertLoadable(folder: ModelFolder): void {
  const problem = folderProblem(folder);
  if (problem) throw new AsrError('asr_load_failed', `cannot load ${folder.dir}: ${problem}`);
}

/** What sherpa-onnx threw while loading `folder`, in the stage's error code. */
export function loadFailed(folder: ModelFolder, err: unknown): AsrError {
  return new AsrError(
    'asr_load_failed',
    `sherpa-onnx could not load ${folder.dir}: ${(err as Error).message}`,
    {
      cause: err,
    },
  );
}
