import type { AsrHypothesis } from './engine.js';
import type { OnlineModelFolder } from './model-folder.js';
import {
  assertLoadable,
  commonModelConfig,
  featureAndDecodingConfig,
  loadFailed,
  SAMPLE_RATE,
  type RecognizerSettings,
} from './recognizer-config.js';
import {
  loadSherpa,
  type OnlineModelConfig,
  type OnlineRecognizerResult,
  type SherpaOnlineRecognizer,
  type SherpaOnlineStream,
} from './sherpa-addon.js';
import { toTaiwanTraditional } from './zh-tw.js';

/** Silence appended at the end of an utterance so the last frames leave the streaming encoder. */
const TAIL_PADDING = new Float32Array(Math.round(SAMPLE_RATE * 0.4));

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

/** Expensive (loads the ONNX sessions): once per engine; streams from it are cheap. */
export function createOnlineRecognizer(
  folder: OnlineModelFolder,
  settings: RecognizerSettings,
): SherpaOnlineRecognizer {
  assertLoadable(folder);
  try {
    return new (loadSherpa().OnlineRecognizer)({
      ...featureAndDecodingConfig(folder, settings),
      modelConfig: modelConfig(folder, settings),
      // Endpointing is the VAD's job: the session ends each utterance with finish().
      enableEndpoint: 0,
    });
  } catch (err) {
    throw loadFailed(folder, err);
  }
}

/** Per-token log-probabilities → a 0..1 score; null where the decoder reports none. */
function confidenceOf(result: OnlineRecognizerResult): number | null {
  const probs = result.ys_probs ?? [];
  if (probs.length === 0 || probs.some((p) => !(p <= 0))) return null;
  return Math.exp(probs.reduce((sum, p) => sum + p, 0) / probs.length);
}

export function toHypothesis(text: string, confidence: number | null): AsrHypothesis {
  return { text: toTaiwanTraditional(text.trim()), confidence };
}

/**
 * One utterance on a streaming recognizer. Decoding happens when a hypothesis is asked for, so
 * frames that arrive between two partial requests are decoded in one go.
 */
export class OnlineUtterance {
  private readonly stream: SherpaOnlineStream;

  constructor(private readonly recognizer: SherpaOnlineRecognizer) {
    this.stream = recognizer.createStream();
  }

  accept(samples: Float32Array): void {
    this.stream.acceptWaveform({ samples, sampleRate: SAMPLE_RATE });
  }

  current(): AsrHypothesis {
    while (this.recognizer.isReady(this.stream)) this.recognizer.decode(this.stream);
    const result = this.recognizer.getResult(this.stream);
    return toHypothesis(result.text, confidenceOf(result));
  }

  /** Flushes the encoder and returns the last hypothesis; the stream takes no more audio. */
  flush(): AsrHypothesis {
    this.stream.acceptWaveform({ samples: TAIL_PADDING, sampleRate: SAMPLE_RATE });
    this.stream.inputFinished();
    return this.current();
  }
}
