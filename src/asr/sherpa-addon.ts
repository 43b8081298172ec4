import { createRequire } from 'node:module';

/**
 * Typed view of the parts of `sherpa-onnx-node` the recognizers use (the package ships JSDoc,
 * not TypeScript types). Loaded on first use so the remote engine and the CLI never pay for the
 * native addon. Field names follow the package's types.js.
 */
export interface SherpaWaveform {
  samples: Float32Array;
  sampleRate: number;
}

/** Model fields shared by the streaming and offline recognizers. */
export interface CommonModelConfig {
  tokens: string;
  numThreads: number;
  provider: string;
  debug: number;
  modelingUnit?: string;
  bpeVocab?: string;
}

/** Recognizer fields shared by the streaming and offline recognizers. */
export interface FeatureAndDecodingConfig {
  featConfig: { sampleRate: number; featureDim: number };
  decodingMethod: 'greedy_search' | 'modified_beam_search';
  maxActivePaths?: number;
  hotwordsScore?: number;
}

export interface OnlineModelConfig extends CommonModelConfig {
  transducer?: { encoder: string; decoder: string; joiner: string };
  paraformer?: { encoder: string; decoder: string };
  zipformer2Ctc?: { model: string };
}

export interface OnlineRecognizerConfig extends FeatureAndDecodingConfig {
  modelConfig: OnlineModelConfig;
  enableEndpoint: number;
  /** Hot-words, one phrase per line, given in memory (no file the addon could fail to open). */
  hotwordsBuf?: string;
  /** Byte length of `hotwordsBuf` in UTF-8. */
  hotwordsBufSize?: number;
}

export interface OnlineRecognizerResult {
  text: string;
  tokens: string[];
  /**
   * Per-token log-probabilities where the decoder reports them (transducers): log-softmax of the
   * joiner output divided by sherpa-onnx's temperature (2.0 by default), so flatter than the model's.
   */
  ys_probs?: number[];
}

export interface SherpaOnlineStream {
  acceptWaveform(wave: SherpaWaveform): void;
  inputFinished(): void;
}

export interface SherpaOnlineRecognizer {
  createStream(): SherpaOnlineStream;
  isReady(stream: SherpaOnlineStream): boolean;
  /** Decodes several ready streams in one batched run. */
  decodeStreams(streams: SherpaOnlineStream[]): void;
  getResult(stream: SherpaOnlineStream): OnlineRecognizerResult;
}

export interface OfflineModelConfig extends CommonModelConfig {
  transducer?: { encoder: string; decoder: string; joiner: string };
  paraformer?: { model: string };
  senseVoice?: { model: string; language: string; useInverseTextNormalization: number };
}

export interface OfflineRecognizerConfig extends FeatureAndDecodingConfig {
  modelConfig: OfflineModelConfig;
}

export interface OfflineRecognizerResult {
  text: string;
  lang?: string;
  tokens?: string[];
  ys_log_probs?: number[];
}

export interface SherpaOfflineStream {
  acceptWaveform(wave: SherpaWaveform): void;
}

export interface SherpaOfflineRecognizer {
  /** `hotwords`: phrases separated by '/', for this stream (transducers with modified beam search). */
  createStream(hotwords?: string): SherpaOfflineStream;
  decodeAsync(stream: SherpaOfflineStream): Promise<OfflineRecognizerResult>;
}

interface SherpaModule {
  OnlineRecognizer: new (config: OnlineRecognizerConfig) => SherpaOnlineRecognizer;
  OfflineRecognizer: {
    createAsync(config: OfflineRecognizerConfig): Promise<SherpaOfflineRecognizer>;
  };
}

let sherpa: SherpaModule | undefined;

export function loadSherpa(): SherpaModule {
  sherpa ??= createRequire(import.meta.url)('sherpa-onnx-node') as SherpaModule;
  return sherpa;
}
