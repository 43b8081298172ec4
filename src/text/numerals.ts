/** Chinese numerals, read the way Taiwanese speakers say them. */

const DIGIT: Record<string, number> = {
  零: 0,
  〇: 0,
  '○': 0,
  洞: 0,
  一: 1,
  么: 1,
  幺: 1,
  二: 2,
  兩: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};
const UNIT: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
const BIG: Record<string, number> = { 萬: 10_000, 億: 100_000_000 };

/** Characters read one by one in phone/ID/case numbers (么 and 洞 are how 1 and 0 are said there). */
export const SEQUENCE_DIGITS = '零〇○洞一么幺二三四五六七八九0123456789０１２３４５６７８９';
export const NUMERAL_CHARS = '零〇○一二兩三四五六七八九十百千萬億0123456789０１２３４５６７８９';

/** 〇九一二 → 0912; null when a character is not a digit. */
export function sequenceDigits(s: string): string | null {
  let out = '';
  for (const ch of s) {
    if (ch >= '0' && ch <= '9') out += ch;
    else if (ch >= '０' && ch <= '９') out += String.fromCharCode(ch.charCodeAt(0) - 0xff10 + 48);
    else if (ch in DIGIT && ch !== '兩') out += String(DIGIT[ch]);
    else return null;
  }
  return out;
}

/**
 * 三千五百 → 3500, 一萬五 → 15000 (the spoken abbreviation), 一百一十三 → 113, 十五 → 15, 2萬 → 20000.
 * Null for what is not one well-formed number.
 */
export function parseNumeral(s: string): number | null {
  if (!s) return null;
  if (/^[0-9０-９]+$/.test(s)) return Number(sequenceDigits(s));
  let total = 0;
  let section = 0;
  let num = -1;
  let lastUnit = 0;
  let afterZero = false;
  let arabic = '';
  for (const ch of s) {
    if ((ch >= '0' && ch <= '9') || (ch >= '０' && ch <= '９')) {
      arabic += ch;
      continue;
    }
    if (arabic) {
      if (num >= 0) return null;
      num = Number(sequenceDigits(arabic));
      arabic = '';
    }
    if (ch in DIGIT) {
      if (num >= 0) return null; // two digits in a row: a sequence, not a numeral
      num = DIGIT[ch] as number;
      if (num === 0) {
        afterZero = true;
        num = -1;
      }
    } else if (ch in UNIT) {
      const u = UNIT[ch] as number;
      if (lastUnit && u >= lastUnit && section) return null;
      section += (num < 0 ? 1 : num) * u;
      lastUnit = u;
      num = -1;
      afterZero = false;
    } else if (ch in BIG) {
      const b = BIG[ch] as number;
      if (num >= 0) section += num;
      if (section === 0) return null;
      total += section * b;
      section = 0;
      num = -1;
      lastUnit = b;
      afterZero = false;
    } else return null;
  }
  if (arabic) {
    if (num >= 0) return null;
    num = Number(sequenceDigits(arabic));
  }
  if (num >= 0) {
    // 三千五 = 3500, 一萬五 = 15000; but 三百零五 = 305.
    section += !afterZero && lastUnit >= 100 ? num * (lastUnit / 10) : num;
  }
  return total + section;
}

/** Formats a digit string the way phone numbers are written in Taiwan; other digit strings stay as they are. */
export function formatPhone(d: string): string {
  let m: RegExpExecArray | null;
  if ((m = /^(09\d{2})(\d{3})(\d{3})$/.exec(d))) return `${m[1]}-${m[2]}-${m[3]}`;
  if ((m = /^(0800|0809)(\d{3})(\d{3})$/.exec(d))) return `${m[1]}-${m[2]}-${m[3]}`;
  if ((m = /^(02)(\d{4})(\d{4})$/.exec(d))) return `${m[1]}-${m[2]}-${m[3]}`;
  if ((m = /^(0[3-8])(\d{3,4})(\d{4})$/.exec(d))) return `${m[1]}-${m[2]}-${m[3]}`;
  if ((m = /^([2-8]\d{3})(\d{4})$/.exec(d))) return `${m[1]}-${m[2]}`;
  return d;
}

/** True for what looks like a Taiwanese phone number once its digits are extracted. */
export function isPhoneShaped(d: string): boolean {
  return /^(?:09\d{8}|0[2-8]\d{7,8}|080[09]\d{6}|[2-8]\d{7})$/.test(d);
}
