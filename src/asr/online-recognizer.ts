import type { AsrHypothesis } from './engine.js';
import { AsrError } from './errors.js';
import { folderProblem, type OnlineModelFolder } from './model-folder.js';
import {
  loadSherpa,
  type OnlineModelConfig,
  type OnlineRecognizerResult,
  type SherpaOnlineRecognizer,
  type SherpaOnlineStream,
} from './sherpa-addon.js';
import { toTaiwanTraditional } from './zh-tw.js';

export const SAMPLE_RATE = 16000;
/** Silence appended at the end of an utterance so the last frames leave the streaming encoder. */
const TAIL_PADDING = new Float32Array(Math.round(SAMPLE_RATE * 0.4));

export interface RecognizerSettings {
  numThreads: number;
  provider: string;
  /** Only for transducers: switches decoding to modified beam search. */
  hotwordsFile?: string;
  hotwordsScore?: number;
}

function modelConfig(folder: OnlineModelFolder, settings: RecognizerSettings): OnlineModelConfig {
  const common = {
    tokens: folder.tokens,
    numThreads: settings.numThreads,
    provider: settings.provider,
    debug: 0,
    modelingUnit: folder.bpeVocab ? 'cjkchar+bpe' : 'cjkchar',
    ...(folder.bpeVocab ? { bpeVocab: folder.bpeVocab } : {}),
  };
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
  const problem = folderProblem(folder);
  if (problem) throw new AsrError('asr_load_failed', `cannot load ${folder.dir}: ${problem}`);
  const hotwords = folder.kind === 'transducer' && settings.hotwordsFile !== undefined;
  try {
    return new (loadSherpa().OnlineRecognizer)({
      featConfig: { sampleRate: SAMPLE_RATE, featureDim: 80 },
      modelConfig: modelConfig(folder, settings),
      // Endpointing is the VAD's job: the session ends each utterance with finish().
      enableEndpoint: 0,
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
