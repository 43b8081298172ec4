import type { Logger } from '../config/index.js';
import type { AsrEngine, AsrHypothesis, AsrStream } from './engine.js';
import { AsrError, recognitionFailed } from './errors.js';
import { hotwordsFileFor, type HotwordsFile } from './hotwords.js';
import { detectOfflineModel, detectOnlineModel } from './model-folder.js';
import { createOfflineRecognizer, decodeSegment } from './offline-recognizer.js';
import { createOnlineRecognizer, OnlineUtterance } from './online-recognizer.js';
import type { SherpaOfflineRecognizer, SherpaOnlineRecognizer } from './sherpa-addon.js';
import { SegmentBuffer } from './segment-buffer.js';

export interface TwoPassSettings {
  /** Streaming model for partials; without it the engine gives finals only (VAD + offline model). */
  modelDir?: string;
  offlineModelDir: string;
  numThreads: number;
  provider: string;
  hotwords?: readonly string[];
  hotwordsScore: number;
  logger?: Logger;
}

export class TwoPassStream implements AsrStream {
  private readonly segment = new SegmentBuffer();
  private readonly utterance: OnlineUtterance | null;
  private done = false;

  constructor(
    online: SherpaOnlineRecognizer | null,
    private readonly offline: SherpaOfflineRecognizer,
  ) {
    this.utterance = online ? new OnlineUtterance(online) : null;
  }

  acceptWaveform(samples: Float32Array): void {
    if (this.done) return;
    this.segment.push(samples);
    this.utterance?.accept(samples);
  }

  partial(): AsrHypothesis | null {
    if (this.done || !this.utterance) return null;
    const hypothesis = this.utterance.current();
    return hypothesis.text ? hypothesis : null;
  }

  async finish(): Promise<AsrHypothesis> {
    if (this.done) throw new AsrError('asr_failed', 'utterance already finished or aborted');
    this.done = true;
    const samples = this.segment.take();
    if (samples.length === 0) return { text: '', confidence: null };
    try {
      return await decodeSegment(this.offline, samples);
    } catch (err) {
      throw recognitionFailed(err);
    }
  }

  abort(): void {
    this.done = true;
    this.segment.take();
  }
}

/**
 * `two-pass`: the streaming model's hypotheses as partials, and the whole VAD segment through an
 * offline model (SenseVoice, Paraformer) for the final, which is markedly more accurate.
 */
export async function createTwoPassEngine(settings: TwoPassSettings): Promise<AsrEngine> {
  const offlineFolder = detectOfflineModel(settings.offlineModelDir);
  const onlineFolder = settings.modelDir ? detectOnlineModel(settings.modelDir) : null;
  const files: HotwordsFile[] = [];
  const hotwordsFor = (folder: Parameters<typeof hotwordsFileFor>[0]) => {
    const file = hotwordsFileFor(folder, settings.hotwords, settings.logger);
    if (file) files.push(file);
    return file?.path;
  };
  const removeFiles = () => files.forEach((f) => f.remove());
  try {
    const offline = await createOfflineRecognizer(offlineFolder, {
      ...settings,
      hotwordsFile: hotwordsFor(offlineFolder),
    });
    const online = onlineFolder
      ? createOnlineRecognizer(onlineFolder, { ...settings, hotwordsFile: hotwordsFor(onlineFolder) })
      : null;
    const version = onlineFolder ? `${offlineFolder.name}+${onlineFolder.name}` : offlineFolder.name;
    settings.logger?.info(
      { offline: offlineFolder.name, offlineKind: offlineFolder.kind, online: onlineFolder?.name ?? null },
      'asr: two-pass models loaded',
    );
    return {
      name: 'two-pass',
      version,
      streamsPartials: online !== null,
      createStream: () => new TwoPassStream(online, offline),
      close: removeFiles,
    };
  } catch (err) {
    removeFiles();
    throw err;
  }
}
