import type { Logger } from '../config/index.js';
import type { AsrEngine, AsrHypothesis, AsrStream } from './engine.js';
import { AsrError, recognitionFailed } from './errors.js';
import { hotwordsFor } from './hotwords.js';
import { detectOnlineModel } from './model-folder.js';
import { assertModelUsable } from './model-validation.js';
import type { OnlineUtterance } from './online-decoder.js';
import { createOnlineDecoder, toHypothesis } from './online-recognizer.js';
import { createTaiwanConverter } from './zh-tw.js';

export interface SherpaOnlineSettings {
  modelDir: string;
  numThreads: number;
  provider: string;
  hotwords?: readonly string[];
  hotwordsScore: number;
  logger?: Logger;
}

/**
 * The latest streaming hypothesis of an utterance in zh-TW. Decoding happens in the recognizer's
 * worker as audio arrives; a partial is whatever it has posted so far (converted once per change).
 */
export class StreamingHypothesis {
  private convertedFrom: string | null = null;
  private converted: AsrHypothesis | null = null;

  constructor(
    readonly utterance: OnlineUtterance,
    private readonly toTaiwan: (text: string) => string,
  ) {}

  current(): AsrHypothesis | null {
    const latest = this.utterance.latest();
    if (!latest?.text.trim()) return null;
    if (latest.text !== this.convertedFrom) {
      this.convertedFrom = latest.text;
      this.converted = toHypothesis(latest, this.toTaiwan);
    }
    return this.converted;
  }
}

export class SherpaOnlineStream implements AsrStream {
  private readonly hypothesis: StreamingHypothesis;
  private done = false;

  constructor(
    private readonly utterance: OnlineUtterance,
    private readonly toTaiwan: (text: string) => string,
  ) {
    this.hypothesis = new StreamingHypothesis(utterance, toTaiwan);
  }

  acceptWaveform(samples: Float32Array): void {
    if (!this.done) this.utterance.accept(samples);
  }

  partial(): AsrHypothesis | null {
    return this.done ? null : this.hypothesis.current();
  }

  async finish(): Promise<AsrHypothesis> {
    if (this.done) throw new AsrError('asr_failed', 'utterance already finished or aborted');
    this.done = true;
    try {
      return toHypothesis(await this.utterance.finish(), this.toTaiwan);
    } catch (err) {
      throw recognitionFailed(err);
    }
  }

  abort(): void {
    this.done = true;
    this.utterance.close();
  }
}

/** `sherpa-online`: a streaming sherpa-onnx model in a worker thread; partials and finals from one decoder. */
export async function createSherpaOnlineEngine(settings: SherpaOnlineSettings): Promise<AsrEngine> {
  const folder = detectOnlineModel(settings.modelDir);
  await assertModelUsable(folder, true);
  const hotwords = hotwordsFor(folder, settings.hotwords, settings.logger);
  const decoder = await createOnlineDecoder(folder, { ...settings, hotwords: hotwords ?? [] });
  const toTaiwan = createTaiwanConverter(settings.hotwords);
  settings.logger?.info(
    { model: folder.name, kind: folder.kind, hotwords: hotwords?.length ?? 0 },
    'asr: streaming model loaded',
  );
  return {
    name: 'sherpa-online',
    version: folder.name,
    streamsPartials: true,
    createStream: ({ sampleRate }) => new SherpaOnlineStream(decoder.open(sampleRate), toTaiwan),
    close: () => decoder.close(),
  };
}
