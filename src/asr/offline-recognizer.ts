import type { OfflineModelFolder } from './model-folder.js';
import type { RawResult } from './online-decoder.js';
import {
  commonModelConfig,
  featureAndDecodingConfig,
  loadFailed,
  SAMPLE_RATE,
  usesHotwords,
  type RecognizerSettings,
} from './recognizer-config.js';
import { loadSherpa, type OfflineModelConfig, type SherpaOfflineRecognizer } from './sherpa-addon.js';

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

/** An offline recognizer and the hot-words its streams are created with (transducers only). */
export interface OfflineDecoder {
  recognizer: SherpaOfflineRecognizer;
  /** Phrases separated by '/', as `createStream(hotwords)` takes them; undefined without. */
  hotwords?: string;
}

/**
 * Loads off the main thread (the package's async factory); once per engine. The folder must have
 * passed `assertModelUsable` first.
 */
export async function createOfflineDecoder(
  folder: OfflineModelFolder,
  settings: RecognizerSettings,
): Promise<OfflineDecoder> {
  try {
    const recognizer = await loadSherpa().OfflineRecognizer.createAsync({
      ...featureAndDecodingConfig(folder, settings),
      modelConfig: modelConfig(folder, settings),
    });
    const hotwords = usesHotwords(folder, settings) ? settings.hotwords?.join('/') : undefined;
    return hotwords ? { recognizer, hotwords } : { recognizer };
  } catch (err) {
    throw loadFailed(folder, err);
  }
}

/** One VAD segment through the offline model, decoded on the addon's worker thread. */
export async function decodeSegment(decoder: OfflineDecoder, samples: Float32Array): Promise<RawResult> {
  const stream =
    decoder.hotwords === undefined
      ? decoder.recognizer.createStream()
      : decoder.recognizer.createStream(decoder.hotwords);
  stream.acceptWaveform({ samples, sampleRate: SAMPLE_RATE });
  const result = await decoder.recognizer.decodeAsync(stream);
  // Offline results carry no per-token scores we use: their finals report no confidence.
  return { text: result.text, ysProbs: [] };
}
