import type { Logger } from '../config/index.js';
import type { AsrEngine, AsrHypothesis, AsrStream } from './engine.js';
import { AsrError, recognitionFailed } from './errors.js';
import { hotwordsFor } from './hotwords.js';
import { detectOfflineModel, detectOnlineModel } from './model-folder.js';
import { assertModelUsable } from './model-validation.js';
import type { OnlineDecoderClient } from './online-decoder.js';
import { createOfflineDecoder, decodeSegment, type OfflineDecoder } from './offline-recognizer.js';
import { createOnlineDecoder, toHypothesis } from './online-recognizer.js';
import { SegmentBuffer } from './segment-buffer.js';
import { StreamingHypothesis } from './sherpa-online.js';
import { createTaiwanConverter } from './zh-tw.js';

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
  private readonly segment: SegmentBuffer;
  private done = false;

  constructor(
    private readonly streaming: StreamingHypothesis | null,
    private readonly offline: OfflineDecoder,
    private readonly toTaiwan: (text: string) => string,
    /** The call's rate: the segment goes to the offline model at 16 kHz. */
    inputRate: number,
  ) {
    this.segment = new SegmentBuffer(inputRate);
  }

  acceptWaveform(samples: Float32Array): void {
    if (this.done) return;
    this.segment.push(samples);
    this.streaming?.utterance.accept(samples);
  }

  partial(): AsrHypothesis | null {
    return this.done ? null : (this.streaming?.current() ?? null);
  }

  async finish(): Promise<AsrHypothesis> {
    if (this.done) throw new AsrError('asr_failed', 'utterance already finished or aborted');
    this.done = true;
    // The streaming pass has served its purpose (partials); the final is the offline model's.
    this.streaming?.utterance.close();
    const samples = this.segment.take();
    if (samples.length === 0) return { text: '', confidence: null };
    try {
      return toHypothesis(await decodeSegment(this.offline, samples), this.toTaiwan);
    } catch (err) {
      throw recognitionFailed(err);
    }
  }

  abort(): void {
    this.done = true;
    this.streaming?.utterance.close();
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
  await assertModelUsable(offlineFolder, false);
  if (onlineFolder) await assertModelUsable(onlineFolder, true);
  const recognizerSettings = (folder: Parameters<typeof hotwordsFor>[0]) => ({
    ...settings,
    hotwords: hotwordsFor(folder, settings.hotwords, settings.logger) ?? [],
  });
  const offline = await createOfflineDecoder(offlineFolder, recognizerSettings(offlineFolder));
  const online: OnlineDecoderClient | null = onlineFolder
    ? await createOnlineDecoder(onlineFolder, recognizerSettings(onlineFolder))
    : null;
  const toTaiwan = createTaiwanConverter(settings.hotwords);
  const version = onlineFolder ? `${offlineFolder.name}+${onlineFolder.name}` : offlineFolder.name;
  settings.logger?.info(
    { offline: offlineFolder.name, offlineKind: offlineFolder.kind, online: onlineFolder?.name ?? null },
    'asr: two-pass models loaded',
  );
  return {
    name: 'two-pass',
    version,
    streamsPartials: online !== null,
    createStream: ({ sampleRate }) =>
      new TwoPassStream(
        online ? new StreamingHypothesis(online.open(sampleRate), toTaiwan) : null,
        offline,
        toTaiwan,
        sampleRate,
      ),
    close: () => online?.close(),
  };
}
