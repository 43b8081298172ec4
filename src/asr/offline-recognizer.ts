import type { AsrHypothesis } from './engine.js';
import type { OfflineModelFolder } from './model-folder.js';
import { loadSherpa, type OfflineModelConfig, type SherpaOfflineRecognizer } from './sherpa-addon.js';
import { toHypothesis } from './online-recognizer.js';
import {
  assertLoadable,
  commonModelConfig,
  featureAndDecodingConfig,
  loadFailed,
  SAMPLE_RATE,
  type RecognizerSettings,
} from './recognizer-config.js';

function modelConfig(folder: OfflineModelFolder, settings: RecognizerSettings): OfflineModelConfig {
  const common = commonModelConfig(folder, settings);
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
  assertLoadable(folder);
  try {
    return await loadSherpa().OfflineRecognizer.createAsync({
      ...featureAndDecodingConfig(folder, settings),
      modelConfig: modelConfig(folder, settings),
    });
  } catch (err) {
    throw loadFailed(folder, err);
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
