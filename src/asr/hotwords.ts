import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../config/index.js';
import { supportsHotwords, type OfflineModelFolder, type OnlineModelFolder } from './model-folder.js';
import { toSimplifiedChinese } from './zh-tw.js';

/**
 * Hot-words (place names, agencies) for a transducer's contextual biasing. sherpa-onnx tokenises
 * them into the model's CJK-character tokens; a phrase with a character the model cannot spell
 * would be skipped with a native warning, so phrases are written in the script the model knows
 * (zh-TW as given, else converted to Simplified for the usual zh-hans models) and dropped when
 * neither spelling is covered.
 */
export interface PreparedHotwords {
  /** Phrases as they will be written, in the model's script. */
  phrases: string[];
  /** Input phrases no spelling of which the model's vocabulary covers. */
  dropped: string[];
}

const CJK = /^\p{Script=Han}+$/u;

function readTokens(tokensFile: string): Set<string> {
  const tokens = new Set<string>();
  for (const line of readFileSync(tokensFile, 'utf8').split('\n')) {
    const token = line.trim().split(/\s+/)[0];
    if (token) tokens.add(token);
  }
  return tokens;
}

export function prepareHotwords(hotwords: readonly string[], tokensFile: string): PreparedHotwords {
  const tokens = readTokens(tokensFile);
  const spelled = (phrase: string) => CJK.test(phrase) && [...phrase].every((ch) => tokens.has(ch));
  const phrases = new Set<string>();
  const dropped: string[] = [];
  for (const raw of hotwords) {
    const phrase = raw.trim().replace(/\s+/g, '');
    if (!phrase) continue;
    const spelling = [phrase, toSimplifiedChinese(phrase)].find(spelled);
    if (spelling) phrases.add(spelling);
    else dropped.push(phrase);
  }
  return { phrases: [...phrases], dropped };
}

/** A hot-words file in a private temporary folder, removed with the engine that reads it. */
export interface HotwordsFile {
  path: string;
  remove(): void;
}

export function writeHotwordsFile(phrases: readonly string[]): HotwordsFile {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-hotwords-'));
  const path = join(dir, 'hotwords.txt');
  writeFileSync(path, `${phrases.join('\n')}\n`, 'utf8');
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The hot-words file for a recognizer over `folder`, or undefined when the model cannot use
 * hot-words or none of them can be spelled (both logged: an operator expects them to work).
 */
export function hotwordsFileFor(
  folder: OnlineModelFolder | OfflineModelFolder,
  hotwords: readonly string[] | undefined,
  logger: Logger | undefined,
): HotwordsFile | undefined {
  if (!hotwords?.length) return undefined;
  if (!supportsHotwords(folder)) {
    logger?.warn(
      { model: folder.name, kind: folder.kind },
      'asr: this model type cannot use hot-words; ignoring them',
    );
    return undefined;
  }
  const { phrases, dropped } = prepareHotwords(hotwords, folder.tokens);
  if (dropped.length) {
    logger?.warn(
      { model: folder.name, dropped: dropped.length, examples: dropped.slice(0, 5) },
      'asr: hot-words the model vocabulary cannot spell were dropped',
    );
  }
  return phrases.length ? writeHotwordsFile(phrases) : undefined;
}
