import type { Logger } from '../config/index.js';
import type { AsrEngine, AsrHypothesis, AsrStream } from './engine.js';
import { AsrError, recognitionFailed } from './errors.js';
import { hotwordsFileFor } from './hotwords.js';
import { detectOnlineModel } from './model-folder.js';
import { createOnlineRecognizer, OnlineUtterance } from './online-recognizer.js';
import type { SherpaOnlineRecognizer } from './sherpa-addon.js';

export interface SherpaOnlineSettings {
  modelDir: string;
  numThreads: number;
  provider: string;
  hotwords?: readonly string[];
  hotwordsScore: number;
  logger?: Logger;
}

export class SherpaOnlineStream implements AsrStream {
  private readonly utterance: OnlineUtterance;
  private done = false;

  constructor(recognizer: SherpaOnlineRecognizer) {
    this.utterance = new OnlineUtterance(recognizer);
  }

  acceptWaveform(samples: Float32Array): void {
    if (!this.done) this.utterance.accept(samples);
  }

  partial(): AsrHypothesis | null {
    if (this.done) return null;
    const hypothesis = this.utterance.current();
    return hypothesis.text ? hypothesis : null;
  }

  async finish(): Promise<AsrHypothesis> {
    if (this.done) throw new AsrError('asr_failed', 'utterance already finished or aborted');
    this.done = true;
    try {
      return this.utterance.flush();
    } catch (err) {
      throw recognitionFailed(err);
    }
  }

  abort(): void {
    this.done = true;
  }
}

/** `sherpa-online`: a streaming sherpa-onnx model in-process; partials and finals from one decoder. */
export function createSherpaOnlineEngine(settings: SherpaOnlineSettings): AsrEngine {
  const folder = detectOnlineModel(settings.modelDir);
  const hotwords = hotwordsFileFor(folder, settings.hotwords, settings.logger);
  let recognizer: SherpaOnlineRecognizer;
  try {
    recognizer = createOnlineRecognizer(folder, { ...settings, hotwordsFile: hotwords?.path });
  } catch (err) {
    hotwords?.remove();
    throw err;
  }
  settings.logger?.info(
    { model: folder.name, kind: folder.kind, hotwords: Boolean(hotwords) },
    'asr: streaming model loaded',
  );
  return {
    name: 'sherpa-online',
    version: folder.name,
    streamsPartials: true,
    createStream: () => new SherpaOnlineStream(recognizer),
    close: () => hotwords?.remove(),
  };
}
