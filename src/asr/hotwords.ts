import type { Logger } from '../config/index.js';
import { supportsHotwords, type OfflineModelFolder, type OnlineModelFolder } from './model-folder.js';
import { hotwordUnitProblem, readTokenTable, type TokenTable } from './model-tokens.js';
import { toSimplifiedCharacters } from './zh-tw.js';

/**
 * Hot-words (place names, agencies) for a transducer's contextual biasing. sherpa-onnx splits each
 * into the model's character tokens (`cjkchar`); a phrase with a character the model cannot spell
 * is skipped with a native warning, so each phrase is written in a spelling the model knows — its
 * own script first (Simplified for the zh-hans models: 大安區 → 大安区), 台 and 臺 as one — and
 * dropped when no spelling is covered.
 */
export interface PreparedHotwords {
  /** Phrases as they will be written, in the model's script. */
  phrases: string[];
  /** Input phrases no spelling of which the model's vocabulary covers. */
  dropped: string[];
}

const CJK = /^\p{Script=Han}+$/u;

/** The spellings to try for `phrase` (its Simplified form given), the model's own script first. */
function spellings(phrase: string, simplified: string, script: TokenTable['script']): string[] {
  const ordered = script === 'simplified' ? [simplified, phrase] : [phrase, simplified];
  // 臺 is written 台 in Simplified and often in Taiwan too; a vocabulary may hold only one of them.
  const variants = ordered.flatMap((p) => [p, p.replace(/臺/g, '台'), p.replace(/台/g, '臺')]);
  return [...new Set(variants)];
}

export function prepareHotwords(hotwords: readonly string[], tokens: TokenTable): PreparedHotwords {
  const spelled = (phrase: string) => CJK.test(phrase) && [...phrase].every((ch) => tokens.bareHan.has(ch));
  const given = hotwords.map((raw) => raw.trim().replace(/\s+/g, '')).filter(Boolean);
  // One conversion for the whole list: OpenCC's per-call cost dominates for short phrases.
  const simplified = toSimplifiedCharacters(given.join('\n')).split('\n');
  const phrases = new Set<string>();
  const dropped: string[] = [];
  given.forEach((phrase, i) => {
    const spelling = spellings(phrase, simplified[i] ?? phrase, tokens.script).find(spelled);
    if (spelling) phrases.add(spelling);
    else dropped.push(phrase);
  });
  return { phrases: [...phrases], dropped };
}

/**
 * The phrases a recognizer over `folder` is biased towards (given to sherpa-onnx in memory, never
 * through a file it could fail to read), or undefined when the model cannot use hot-words or none
 * of them can be spelled — both logged: an operator expects them to work.
 */
export function hotwordsFor(
  folder: OnlineModelFolder | OfflineModelFolder,
  hotwords: readonly string[] | undefined,
  logger: Logger | undefined,
): string[] | undefined {
  if (!hotwords?.length) return undefined;
  if (!supportsHotwords(folder)) {
    logger?.warn(
      { model: folder.name, kind: folder.kind },
      'asr: this model type cannot use hot-words; ignoring them',
    );
    return undefined;
  }
  const tokens = readTokenTable(folder.tokens);
  const unitProblem = hotwordUnitProblem(tokens, folder.bpeVocab !== undefined);
  if (unitProblem) logger?.warn({ model: folder.name }, `asr: ${unitProblem}`);
  const { phrases, dropped } = prepareHotwords(hotwords, tokens);
  if (dropped.length) {
    logger?.warn(
      { model: folder.name, dropped: dropped.length, examples: dropped.slice(0, 5) },
      'asr: hot-words the model vocabulary cannot spell were dropped',
    );
  }
  return phrases.length ? phrases : undefined;
}
