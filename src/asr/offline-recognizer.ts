import type { AsrHypothesis } from './engine.js';
import { AsrError } from './errors.js';
import { folderProblem, type OfflineModelFolder } from './model-folder.js';
import { loadSherpa, type OfflineModelConfig, type SherpaOfflineRecognizer } from './sherpa-addon.js';
import { SAMPLE_RATE, toHypothesis, type RecognizerSettings } from './online-recognizer.js';

function modelConfig(folder: OfflineModelFolder, settings: RecognizerSettings): OfflineModelConfig {
  const common = {
    tokens: folder.tokens,
    numThreads: settings.numThreads,
    provider: settings.provider,
    debug: 0,
    modelingUnit: folder.bpeVocab ? 'cjkchar+bpe' : 'cjkchar',
    ...(folder.bpeVocab ? { bpeVocab: folder.bpeVocab } : {}),
  };
  switch (folder.kind) {
    case 'sense-voice':
      // Mandarin hotline: a fixed language avoids short turns being read as Cantonese or Japanese;
      // no ITN so finals look like the streaming partials and the text stage does ITN/punctuation.
      return {
        ...common,
        senseVoice: { model: folder.model, language: 'zh', useInverseTextNormalization: 0 },
      };
    case 'paraformer':
      return { ...common, paraformer: { model: folder.model } };
    case 'transducer':
      return {
        ...common,
        transducer: { encoder: folder.encoder, decoder: folder.decoder, joiner: folder.joiner },
      };
  }
}

/** Loads off the main thread (the package's async factory); once per engine. */
export async function createOfflineRecognizer(
  folder: OfflineModelFolder,
  settings: RecognizerSettings,
): Promise<SherpaOfflineRecognizer> {
  const problem = folderProblem(folder);
  if (problem) throw new AsrError('asr_load_failed', `cannot load ${folder.dir}: ${problem}`);
  const hotwords = folder.kind === 'transducer' && settings.hotwordsFile !== undefined;
  try {
    return await loadSherpa().OfflineRecognizer.createAsync({
      featConfig: { sampleRate: SAMPLE_RATE, featureDim: 80 },
      modelConfig: modelConfig(folder, settings),
      decodingMethod: hotwords ? 'modified_beam_search' : 'greedy_search',
      ...(hotwords
        ? { maxActivePaths: 4, hotwordsFile: settings.hotwordsFile, hotwordsScore: settings.hotwordsScore }
        : {}),
    });
  } catch (err) {
    throw new AsrError(
      'asr_load_failed',
      `sherpa-onnx could not load ${folder.dir}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/** One VAD segment through the offline model, decoded on the addon's worker thread. */
export async function decodeSegment(
  recognizer: SherpaOfflineRecognizer,
  samples: Float32Array,
): Promise<AsrHypothesis> {
  const stream = recognizer.createStream();
  stream.acceptWaveform({ samples, sampleRate: SAMPLE_RATE });
  const result = await recognizer.decodeAsync(stream);
  return toHypothesis(result.text, null);
}
