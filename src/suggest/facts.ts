/**
 * Facts a reply script must never invent: numbers, phone numbers, dates, times, amounts and
 * Chinese-numeral quantities. A script is grounded when every fact in it also occurs in a source.
 */

const FULL_WIDTH_DIGIT = /[０-９]/g;

/** Full-width digits and the separators used inside numbers, folded to ASCII so 02－2720 == 02-2720. */
export function foldDigits(text: string): string {
  return text
    .replace(FULL_WIDTH_DIGIT, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/[－—–]/g, '-')
    .replace(/：/g, ':')
    .replace(/／/g, '/')
    .replace(/～/g, '~')
    .replace(/％/g, '%');
}

// A run of digits with the separators numbers use (3,000 / 02-2720-8889 / 11:00 / 112/2/1 / 3.5 / 20%).
const ARABIC = /\d(?:[\d,.:\-/~]*\d)?%?/g;
// Spoken quantities: 三千元, 兩個月, 七個工作天, 十五歲 — the unit keeps list markers (一、) out.
const CHINESE_QUANTITY =
  /[零〇一二兩三四五六七八九十百千萬億]+(?:個工作天|個工作日|個月|萬元|元|天|日|年|歲|小時|分鐘|週|周|次|%)/g;
/** The step numbers a script itself adds ("1. ") are not facts. */
const LIST_MARKER = /^\s*\d{1,2}\.\s/gm;

export function extractFacts(text: string): string[] {
  const folded = foldDigits(text).replace(LIST_MARKER, '');
  return [...(folded.match(ARABIC) ?? []), ...(folded.match(CHINESE_QUANTITY) ?? [])];
}

/**
 * Facts of `script` that no source backs. A fact is backed when it occurs in a source as a whole
 * number (not as the middle of a longer one: "2720" is not backed by "27208889").
 */
export function unsupportedFacts(script: string, sources: readonly string[]): string[] {
  const folded = sources.map(foldDigits);
  const missing: string[] = [];
  for (const fact of extractFacts(script)) {
    const backed = folded.some((source) => occursAsWhole(source, fact));
    if (!backed && !missing.includes(fact)) missing.push(fact);
  }
  return missing;
}

function occursAsWhole(source: string, fact: string): boolean {
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  for (let at = source.indexOf(fact); at >= 0; at = source.indexOf(fact, at + 1)) {
    const before = source[at - 1];
    const after = source[at + fact.length];
    const firstIsDigit = isDigit(fact[0]);
    const lastIsDigit = isDigit(fact[fact.length - 1]);
    if ((!firstIsDigit || !isDigit(before)) && (!lastIsDigit || !isDigit(after))) return true;
  }
  return false;
}
