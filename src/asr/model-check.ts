import { basename } from 'node:path';
import type { AsrEngine } from './engine.js';
import {
  detectOfflineModel,
  detectOnlineModel,
  modelFiles,
  type OfflineModelFolder,
  type OnlineModelFolder,
} from './model-folder.js';
import { assertModelUsable } from './model-validation.js';
import { readOnnxSummary } from './onnx-reader.js';
import { createSherpaOnlineEngine } from './sherpa-online.js';
import { CHECK_SIGNAL, tones } from './test-signal.js';
import { createTwoPassEngine } from './two-pass.js';

/**
 * `hotline-assist models check <dir>`: what a deployment runs on a downloaded model folder before
 * pointing the server at it. The folder's type is detected, every file is checked the way sherpa-onnx
 * will read it (metadata, inputs, tokens), the hot-word units are reported, and the bundled check
 * signal is decoded through the same engine the server would build.
 */
export interface ModelCheckReport {
  folder: OnlineModelFolder | OfflineModelFolder;
  streaming: boolean;
  /** The setting to point at this folder. */
  setting: 'HOTLINE_ASR_MODEL_DIR' | 'HOTLINE_ASR_OFFLINE_MODEL_DIR';
  tokens: number;
  script: 'simplified' | 'traditional' | 'none';
  /** Null when hot-words work as they are written; else why not (fully). */
  hotwords: string | null;
  decoded: { text: string; ms: number };
}

/**
 * Streaming or offline: a transducer folder looks the same either way, but a streaming encoder
 * carries its chunk size (`decode_chunk_len`, or `T` for older exports) in its metadata.
 */
async function detect(
  dir: string,
): Promise<{ folder: OnlineModelFolder | OfflineModelFolder; streaming: boolean }> {
  let online: OnlineModelFolder;
  try {
    online = detectOnlineModel(dir, 'models check');
  } catch (onlineError) {
    try {
      return { folder: detectOfflineModel(dir, 'models check'), streaming: false };
    } catch {
      throw onlineError;
    }
  }
  if (online.kind !== 'transducer') return { folder: online, streaming: true };
  const { metadata } = await readOnnxSummary(online.encoder).catch(() => ({
    metadata: new Map<string, string>(),
  }));
  const streaming = metadata.has('decode_chunk_len') || metadata.has('T') || !metadata.has('model_type');
  return streaming
    ? { folder: online, streaming }
    : { folder: detectOfflineModel(dir, 'models check'), streaming };
}

async function decodeCheckSignal(engine: AsrEngine): Promise<{ text: string; ms: number }> {
  const samples = tones(CHECK_SIGNAL);
  const started = performance.now();
  const stream = engine.createStream({ sampleRate: 16000, caseId: 'models-check', startMs: 0, channel: 0 });
  for (let i = 0; i < samples.length; i += 1600) stream.acceptWaveform(samples.subarray(i, i + 1600));
  const { text } = await stream.finish();
  return { text, ms: Math.round(performance.now() - started) };
}

export async function checkModelDir(
  dir: string,
  settings: { numThreads: number; provider: string },
): Promise<ModelCheckReport> {
  const { folder, streaming } = await detect(dir);
  const { tokens, hotwordUnits } = await assertModelUsable(folder, streaming);
  const common = { ...settings, hotwordsScore: 1.5 };
  const engine = streaming
    ? await createSherpaOnlineEngine({ ...common, modelDir: dir })
    : await createTwoPassEngine({ ...common, offlineModelDir: dir });
  try {
    return {
      folder,
      streaming,
      setting: streaming ? 'HOTLINE_ASR_MODEL_DIR' : 'HOTLINE_ASR_OFFLINE_MODEL_DIR',
      tokens: tokens.symbols.length,
      script: tokens.script,
      hotwords: folder.kind === 'transducer' ? hotwordUnits : 'this model type does not use hot-words',
      decoded: await decodeCheckSignal(engine),
    };
  } finally {
    engine.close();
  }
}

/** The report as the CLI prints it: one line per fact, the first saying it is usable. */
export function describeModelCheck(report: ModelCheckReport): string[] {
  const { folder } = report;
  return [
    `ok: ${folder.name} — ${report.streaming ? 'streaming' : 'offline'} ${folder.kind} model`,
    `  files: ${modelFiles(folder)
      .map((f) => basename(f))
      .join(', ')}, tokens.txt (${report.tokens} tokens, ${report.script} script)`,
    `  hot-words: ${report.hotwords ?? 'usable (cjkchar' + (folder.bpeVocab ? '+bpe' : '') + ')'}`,
    `  check signal (300 Hz, pause, 3 kHz) decoded in ${report.decoded.ms} ms: «${report.decoded.text}»`,
    `  use it with ${report.setting}=${folder.dir}`,
  ];
}
