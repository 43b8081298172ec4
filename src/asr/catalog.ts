import { DEFAULT_ASR_MODELS } from '../config/index.js';
import {
  detectOfflineModel,
  detectOnlineModel,
  folderProblem,
  onnxProblem,
  type OfflineModelFolder,
  type OnlineModelFolder,
} from './model-folder.js';

/**
 * Models `hotline-assist models fetch` knows, as published on the k2-fsa/sherpa-onnx GitHub
 * releases (`asr-models` tag). Each entry says which setting it is for and how a download is
 * checked: an archive must unpack into a folder our model detection loads as the expected kind.
 */
export interface ModelCatalogEntry {
  name: string;
  description: string;
  /** File name under the release base URL. */
  asset: string;
  /** Environment variable a deployment points at the result. */
  setting: 'HOTLINE_ASR_MODEL_DIR' | 'HOTLINE_ASR_OFFLINE_MODEL_DIR' | 'HOTLINE_VAD_MODEL';
  expect:
    | { format: 'tar.bz2'; role: 'streaming'; kind: OnlineModelFolder['kind'] }
    | { format: 'tar.bz2'; role: 'offline'; kind: OfflineModelFolder['kind'] }
    | { format: 'file' };
}

export const modelCatalog: readonly ModelCatalogEntry[] = [
  {
    name: DEFAULT_ASR_MODELS.streaming,
    description: 'streaming zipformer transducer, Mandarin (partials and finals; hot-words)',
    asset: `${DEFAULT_ASR_MODELS.streaming}.tar.bz2`,
    setting: 'HOTLINE_ASR_MODEL_DIR',
    expect: { format: 'tar.bz2', role: 'streaming', kind: 'transducer' },
  },
  {
    name: DEFAULT_ASR_MODELS.offline,
    description: 'SenseVoice offline model, zh/en/ja/ko/yue (two-pass finals)',
    asset: `${DEFAULT_ASR_MODELS.offline}.tar.bz2`,
    setting: 'HOTLINE_ASR_OFFLINE_MODEL_DIR',
    expect: { format: 'tar.bz2', role: 'offline', kind: 'sense-voice' },
  },
  {
    name: 'silero-vad',
    description: 'Silero voice activity detector (speech segments, endpointing)',
    asset: 'silero_vad.onnx',
    setting: 'HOTLINE_VAD_MODEL',
    expect: { format: 'file' },
  },
];

export function findCatalogEntry(name: string): ModelCatalogEntry | undefined {
  return modelCatalog.find((entry) => entry.name === name || entry.asset === name);
}

/**
 * Null when `path` holds what `entry` promises, else why not. Detection throws for folders it
 * cannot load; that message is the reason.
 */
export function checkModel(entry: ModelCatalogEntry, path: string): string | null {
  const { expect } = entry;
  if (expect.format === 'file') return onnxProblem(path);
  try {
    const folder =
      expect.role === 'streaming'
        ? detectOnlineModel(path, entry.name)
        : detectOfflineModel(path, entry.name);
    if (folder.kind !== expect.kind) return `${path} holds a ${folder.kind} model, expected ${expect.kind}`;
    return folderProblem(folder);
  } catch (err) {
    return (err as Error).message;
  }
}
