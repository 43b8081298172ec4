import type { AsrHypothesis } from './engine.js';
import type { OnlineModelFolder } from './model-folder.js';
import { startOnlineDecoder, type OnlineDecoderClient, type RawResult } from './online-decoder.js';
import {
  commonModelConfig,
  featureAndDecodingConfig,
  loadFailed,
  usesHotwords,
  type RecognizerSettings,
} from './recognizer-config.js';
import type { OnlineModelConfig, OnlineRecognizerConfig } from './sherpa-addon.js';

function modelConfig(folder: OnlineModelFolder, settings: RecognizerSettings): OnlineModelConfig {
  const common = commonModelConfig(folder, settings);
  switch (folder.kind) {
    case 'transducer':
      return {
        ...common,
        transducer: { encoder: folder.encoder, decoder: folder.decoder, joiner: folder.joiner },
      };
    case 'paraformer':
      return { ...common, paraformer: { encoder: folder.encoder, decoder: folder.decoder } };
    case 'zipformer2-ctc':
      return { ...common, zipformer2Ctc: { model: folder.model } };
  }
}

export function onlineRecognizerConfig(
  folder: OnlineModelFolder,
  settings: RecognizerSettings,
): OnlineRecognizerConfig {
  const hotwords = usesHotwords(folder, settings) ? `${settings.hotwords?.join('\n')}\n` : undefined;
  return {
    ...featureAndDecodingConfig(folder, settings),
    modelConfig: modelConfig(folder, settings),
    // Endpointing is the VAD's job: the session ends each utterance with finish().
    enableEndpoint: 0,
    ...(hotwords ? { hotwordsBuf: hotwords, hotwordsBufSize: Buffer.byteLength(hotwords) } : {}),
  };
}

/**
 * Expensive (loads the ONNX sessions): once per engine, in a worker thread so the event loop keeps
 * serving calls meanwhile; utterances on it are cheap. The folder must have passed
 * `assertModelUsable` first.
 */
export async function createOnlineDecoder(
  folder: OnlineModelFolder,
  settings: RecognizerSettings,
): Promise<OnlineDecoderClient> {
  try {
    return await startOnlineDecoder(onlineRecognizerConfig(folder, settings));
  } catch (err) {
    throw loadFailed(folder, err);
  }
}

/**
 * A rough score from the decoder's per-token log-probabilities: exp of their mean, where each is
 * log-softmax at sherpa-onnx's decoding temperature (2.0), not the model's own probability. Useful
 * to compare hypotheses of one model (higher is surer), not calibrated across models or as the
 * chance the text is right; null where the decoder reports none (CTC, paraformer, offline models).
 */
export function confidenceOf(result: RawResult): number | null {
  const probs = result.ysProbs;
  if (probs.length === 0 || probs.some((p) => !(p <= 0))) return null;
  return Math.exp(probs.reduce((sum, p) => sum + p, 0) / probs.length);
}

export function toHypothesis(result: RawResult, toTaiwan: (text: string) => string): AsrHypothesis {
  return { text: toTaiwan(result.text.trim()), confidence: confidenceOf(result) };
}
