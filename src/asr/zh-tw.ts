import { Converter } from 'opencc-js';

/**
 * Script conversion at the engine boundary: every recognizer in this folder is trained on
 * Simplified Chinese or mixed data, and everything leaving the engine layer must be Traditional
 * Chinese as written in Taiwan (s2twp: characters plus Taiwanese phrasing such as 软件 → 軟體).
 * Built lazily because the dictionaries take a moment to load.
 */
type Convert = (text: string) => string;

let toTaiwan: Convert | undefined;
let toSimplified: Convert | undefined;

export function toTaiwanTraditional(text: string): string {
  const convert = (toTaiwan ??= Converter({ from: 'cn', to: 'twp' }));
  return convert(text);
}

/** The reverse direction, for hot-words given in zh-TW that a Simplified-Chinese model must spell. */
export function toSimplifiedChinese(text: string): string {
  const convert = (toSimplified ??= Converter({ from: 'twp', to: 'cn' }));
  return convert(text);
}
