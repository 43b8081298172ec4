import { AsrError } from './errors.js';
import { supportsHotwords, type OfflineModelFolder, type OnlineModelFolder } from './model-folder.js';
import type { CommonModelConfig, FeatureAndDecodingConfig } from './sherpa-addon.js';

export const SAMPLE_RATE = 16000;

export interface RecognizerSettings {
  numThreads: number;
  provider: string;
  /** Prepared phrases in the model's spelling (hotwords.ts); only transducers use them. */
  hotwords?: readonly string[];
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

/** Whether a recognizer over `folder` is biased: hot-words given and a transducer to apply them. */
export function usesHotwords(folder: ModelFolder, settings: RecognizerSettings): boolean {
  return supportsHotwords(folder) && (settings.hotwords?.length ?? 0) > 0;
}

/** Features and decoding, the same for both recognizers: hot-words switch a transducer to beam search. */
export function featureAndDecodingConfig(
  folder: ModelFolder,
  settings: RecognizerSettings,
): FeatureAndDecodingConfig {
  const hotwords = usesHotwords(folder, settings);
  return {
    featConfig: { sampleRate: SAMPLE_RATE, featureDim: 80 },
    decodingMethod: hotwords ? 'modified_beam_search' : 'greedy_search',
    ...(hotwords ? { maxActivePaths: 4, hotwordsScore: settings.hotwordsScore } : {}),
  };
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
