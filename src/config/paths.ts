import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './schema.js';

/** The package root: the nearest folder above this module with a package.json (from src/ or from its build in dist/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Data that ships with the product (Taipei FAQ, similar questions, vocabulary, lexicons, VAD model). */
export const BUNDLED_DATA_DIR = join(packageRoot(), 'data');

/**
 * The shipped data `npm start` and the CLI use for a setting given nowhere (file, environment,
 * overrides). Setting the variable to an empty value turns the shipped one off.
 */
export const BUNDLED_SETTINGS: ReadonlyArray<{ env: string; key: string; path: string }> = [
  { env: 'HOTLINE_KB_SEED', key: 'knowledge.seed', path: join(BUNDLED_DATA_DIR, 'taipei-faq') },
  { env: 'HOTLINE_LEXICON_DIR', key: 'text.lexiconDir', path: join(BUNDLED_DATA_DIR, 'lexicon') },
  { env: 'HOTLINE_VAD_MODEL', key: 'vad.model', path: join(BUNDLED_DATA_DIR, 'models', 'silero_vad.onnx') },
];

/** The speech models `models fetch default` downloads, picked up by `npm start` when no engine is set. */
export const DEFAULT_ASR_MODELS = {
  streaming: 'sherpa-onnx-streaming-zipformer-multi-zh-hans-2023-12-12',
  offline: 'sherpa-onnx-sense-voice-zh-en-ja-ko-yue-2024-07-17',
} as const;

export interface ResolvedPaths {
  dataDir: string;
  sqliteFile: string;
  audioDir: string;
  modelsDir: string;
  /** VAD model to load, or undefined when none is configured or present. */
  vadModel: string | undefined;
  extraLexiconFile: string;
  /** Colloquial → official vocabulary file. */
  vocabularyFile: string;
  /** Write-ahead journals of live calls (items and received audio). */
  journalDir: string;
  /** HMAC key of the audit chain (kept outside the database). */
  auditKeyFile: string;
  /** Signed audit checkpoints, exported outside the database. */
  auditCheckpointFile: string;
  /** Held by the one server process that owns this data dir. */
  lockFile: string;
  /** Knowledge bases' derived index fields, kept between starts (a cache: safe to delete). */
  indexCacheDir: string;
  /** The urgency classifier's trained weights, kept between starts (a cache: safe to delete). */
  urgencyCacheDir: string;
}

/** Derived locations under the state directory, in one place. */
export function resolvePaths(config: Config): ResolvedPaths {
  const dataDir = resolve(config.dataDir);
  const modelsDir = resolve(config.asr.modelsDir ?? join(dataDir, 'models'));
  const fetchedVad = join(modelsDir, 'silero_vad.onnx');
  return {
    dataDir,
    sqliteFile: join(dataDir, 'hotline.db'),
    audioDir: join(dataDir, 'audio'),
    modelsDir,
    vadModel: config.vad.model ? resolve(config.vad.model) : existsSync(fetchedVad) ? fetchedVad : undefined,
    extraLexiconFile: resolve(config.text.extraLexiconFile ?? join(dataDir, 'lexicon-extra.txt')),
    vocabularyFile: resolve(
      config.knowledge.vocabularyFile ?? join(BUNDLED_DATA_DIR, 'vocabulary', 'colloquial.tsv'),
    ),
    journalDir: join(dataDir, 'journal'),
    auditKeyFile: resolve(config.audit.keyFile ?? join(dataDir, 'audit.key')),
    auditCheckpointFile: resolve(config.audit.checkpointFile ?? join(dataDir, 'audit-checkpoints.jsonl')),
    lockFile: join(dataDir, 'hotline.lock'),
    indexCacheDir: join(dataDir, 'cache', 'kb-index'),
    urgencyCacheDir: join(dataDir, 'cache', 'urgency'),
  };
}
