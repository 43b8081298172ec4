import { readFileSync } from 'node:fs';
import { toSimplifiedCharacters, toTaiwanCharacters } from './zh-tw.js';

/**
 * A model's `tokens.txt` (`<symbol> <id>` per line) and what it says about hot-words: sherpa-onnx
 * with `modelingUnit=cjkchar` splits a hot-word into characters and looks each up as a bare token;
 * a BPE vocabulary (pieces marked `▁` at word starts) may list a character only as `▁大`, and
 * without `bpe.vocab` such a model cannot be biased towards it.
 */
export interface TokenTable {
  /** Symbols in file order; `ids` maps each to its id. */
  symbols: string[];
  ids: Map<string, number>;
  /** Highest id + 1: a model's `vocab_size` must not exceed it. */
  size: number;
  /** Tokens starting with `▁` (U+2581): BPE word-start pieces. */
  bpeWordStarts: number;
  /** Single Han characters listed as bare tokens: what cjkchar hot-words are spelled with. */
  bareHan: Set<string>;
  /** Which Chinese script the bare characters are in, for spelling hot-words the model's way. */
  script: 'simplified' | 'traditional' | 'none';
}

const HAN = /^\p{Script=Han}$/u;

export function readTokenTable(file: string): TokenTable {
  const symbols: string[] = [];
  const ids = new Map<string, number>();
  let size = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const parts = line.trim().split(/\s+/);
    const symbol = parts[0];
    if (!symbol) continue;
    // "<symbol> <id>" as sherpa-onnx reads it; a line without an id takes the next one.
    const given = parts.length > 1 ? Number.parseInt(parts[parts.length - 1] ?? '', 10) : Number.NaN;
    const id = Number.isFinite(given) ? given : symbols.length;
    symbols.push(symbol);
    ids.set(symbol, id);
    size = Math.max(size, id + 1);
  }
  const bareHan = new Set(symbols.filter((s) => HAN.test(s)));
  return {
    symbols,
    ids,
    size,
    bpeWordStarts: symbols.filter((s) => s.startsWith('\u2581')).length,
    bareHan,
    script: scriptOf(bareHan),
  };
}

/**
 * Simplified when more of the characters change under Simplified → Traditional than the other way
 * round (软, 区 vs 軟, 區); characters shared by both scripts (大, 安) say nothing.
 */
function scriptOf(chars: Set<string>): TokenTable['script'] {
  if (chars.size === 0) return 'none';
  const all = [...chars].join('');
  const differing = (converted: string) => {
    const a = [...all];
    return [...converted].filter((ch, i) => ch !== a[i]).length;
  };
  const simplified = differing(toTaiwanCharacters(all));
  const traditional = differing(toSimplifiedCharacters(all));
  return simplified > traditional ? 'simplified' : 'traditional';
}

/**
 * Why cjkchar hot-words cannot work with these tokens, or null. Hot-words are only tokenised into
 * characters (we never pass `bpe.vocab`-less models a BPE unit), so a vocabulary that is mostly BPE
 * pieces with few bare characters leaves most phrases unspellable.
 */
export function hotwordUnitProblem(tokens: TokenTable, hasBpeVocab: boolean): string | null {
  if (hasBpeVocab) return null;
  if (tokens.bareHan.size === 0) {
    return (
      `tokens.txt lists no bare Chinese characters (${tokens.bpeWordStarts} of ${tokens.symbols.length} ` +
      'tokens are ▁-prefixed BPE pieces) and the folder has no bpe.vocab: hot-words (cjkchar) cannot be spelled'
    );
  }
  if (tokens.bpeWordStarts > tokens.bareHan.size) {
    return (
      `tokens.txt is mostly BPE pieces (${tokens.bpeWordStarts} ▁-prefixed, ${tokens.bareHan.size} bare ` +
      'Chinese characters) and the folder has no bpe.vocab: only hot-words made of those characters can be used'
    );
  }
  return null;
}
