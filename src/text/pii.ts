import { formatPhone, isPhoneShaped, parseNumeral } from './numerals.js';
import { normaliseRoad } from './lexicon.js';
import type { Redaction } from './types.js';

export type PiiType = Redaction['type'];

/** A span of personal data found in a text, with the value in a canonical form (never logged). */
export interface PiiSpan {
  start: number;
  end: number;
  type: PiiType;
  /** Canonical value used to recognise published (public) data: digits, or an address key. */
  value: string;
  /**
   * How the utterance introduces a phone number: as the speaker's own (我家電話, 聯絡我, 打給我 … 找我)
   * or as a service line (客服, 專線, 請洽); absent when it says neither.
   */
  introduced?: 'own' | 'service_line';
}

const LETTER_VALUE: Record<string, number> = {
  A: 10,
  B: 11,
  C: 12,
  D: 13,
  E: 14,
  F: 15,
  G: 16,
  H: 17,
  I: 34,
  J: 18,
  K: 19,
  L: 20,
  M: 21,
  N: 22,
  O: 35,
  P: 23,
  Q: 24,
  R: 25,
  S: 26,
  T: 27,
  U: 28,
  V: 29,
  W: 32,
  X: 30,
  Y: 31,
  Z: 33,
};

/** The check digit of an ID whose first nine characters are `body` (letter, second character, 7 digits). */
export function idCheckDigit(body: string): number {
  const first = LETTER_VALUE[body[0] as string] as number;
  const second = /\d/.test(body[1] as string)
    ? Number(body[1])
    : (LETTER_VALUE[body[1] as string] as number) % 10;
  const digits = [Math.floor(first / 10), first % 10, second, ...[...body.slice(2)].map(Number)];
  const weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1];
  const sum = digits.reduce((s, d, i) => s + d * (weights[i] as number), 0);
  return (10 - (sum % 10)) % 10;
}

/**
 * ROC national ID (A123456789) and resident certificate numbers: the new format (A800000014, second
 * digit 8/9) and the old one (AB12345678, second letter A–D), all with the same weighted checksum.
 */
export function idChecksumOk(id: string): boolean {
  if (!/^[A-Z]([A-D]|\d)\d{8}$/.test(id)) return false;
  return Number(id[9]) === idCheckDigit(id.slice(0, 9));
}

export function luhnOk(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Digits as read out one by one on the phone (么 for 1, 洞 for 0, 拐 for 7, 勾 for 9, 兩 for 2). */
export const SPOKEN_DIGIT: Readonly<Record<string, string>> = {
  零: '0',
  〇: '0',
  '○': '0',
  洞: '0',
  一: '1',
  么: '1',
  幺: '1',
  二: '2',
  兩: '2',
  三: '3',
  四: '4',
  五: '5',
  六: '6',
  七: '7',
  拐: '7',
  八: '8',
  九: '9',
  勾: '9',
};

/**
 * The text with digits (Arabic, full-width, Chinese read one by one) as ASCII and letters upper-cased,
 * one character for one, so detector offsets are the text's offsets.
 */
function shadow(text: string): string {
  return text.replace(SHADOWED, shadowOf);
}

/**
 * The characters `shadowOf` may change: astral ones, everything below the CJK blocks, the blocks with
 * cased letters above them, and the spoken digits; the bulk of a Chinese text (ideographs, kana, CJK
 * punctuation) is copied as it is, without a call per character.
 */
const SHADOWED =
  /[\u{10000}-\u{10FFFF}]|[\0-\u2fff\ua640-\ua7ff\uab30-\uabbf\ufb00-\ufb4f\uff00-\uffff]|[零〇洞一么幺二兩三四五六七拐八九勾]/gu;

function shadowOf(ch: string): string {
  const code = ch.charCodeAt(0);
  if (ch.length === 2) return '\u0000\u0000';
  if (code >= 0xff10 && code <= 0xff19) return String.fromCharCode(code - 0xff10 + 48);
  if (code >= 0xff21 && code <= 0xff5a) return String.fromCharCode(code - 0xfee0).toUpperCase();
  return SPOKEN_DIGIT[ch] ?? ch.toUpperCase();
}

const URL = /(?:https?:\/\/|www\.)[\w\-.~:/?#[\]@!$&'()*+,;=%]+/gi;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const ID = /(?<![A-Z0-9])[A-Z][\s-]?[1289A-D](?:[\s-]?\d){8}(?![0-9])/g;
const DIGIT_RUN = /(?<![0-9A-Z])(?:\+?886[\s-]?|\(0\d{1,3}\)[\s-]?)?\d(?:[\s\-－.]?\d)*(?![0-9])/g;
const PLATE =
  /(?<![A-Z0-9])(?:[A-Z]{2,3}[-\s]?\d{3,4}|\d{3,4}[-\s]?[A-Z]{2,3}|[A-Z]\d[-\s]?\d{4}|\d[A-Z][-\s]?\d{4})(?![A-Z0-9])/g;
const NOT_PLATE = /^(?:ISO|CNS|COVID|GPS|USB|MRT|ATM|APP|NT|TPE|ROC|ID|PM|AM|TEL|FAX|EXT|NO|EAN|UPC)/;

const PHONE_CONTEXT = /(?:電話|手機|號碼|市話|家裡|打|撥|聯絡|聯繫|回電|傳真|室話|專線)[^\d]{0,6}$/;
const ACCOUNT_CONTEXT = /(?:帳號|帳戶|賬號|戶頭|匯款|轉帳|匯到|帳戶號碼|存摺|account)[^\d]{0,8}$/i;
const PLATE_CONTEXT = /(?:車牌|車號|牌照|車子|機車|汽車)[^A-Z0-9]{0,6}$/;
/** How published service lines are introduced (請洽, 客服專線, 傳真). */
const SERVICE_LINE =
  /(?:客服|專線|熱線|總機|服務台|服務中心|傳真|FAX|電洽|請洽|洽詢|逕洽|致電|市民當家)[^\d]{0,10}$/i;
/**
 * How callers give their own number (我家電話是, 我的手機, 聯絡我請打, 有事打給我), before it in the same
 * sentence; this wins over service-line words (我家的傳真). 我的 counts only before a word for a line
 * (我的問題請洽客服 is not the caller's number).
 */
const OWN_LINE_BEFORE =
  /(?:我家|我們家|我的(?:電話|手機|號碼|市話|室話|傳真|聯絡|公司|辦公室|家|是)|我公司|我們公司|我辦公室|本人|聯絡我|聯繫我|打給我|回電給我|回撥給我|打來給我|找我)[^\d。！？；!?;]{0,8}$/;
/** …or after it: 02-2345-6789 分機 12 找我 / 是我家的. */
const OWN_LINE_AFTER = /^[^\d。！？；!?;]{0,4}?(?:找我|是我|給我)/;
/** An extension after a line (轉 7650, 分機 123, #12, ext. 5): part of the number, not a sign of whose it is. */
const EXTENSION_AFTER = /^\s*(?:轉|分機|#|ext\.?)\s*\d{1,6}(?:\s*[~～-]\s*\d{1,6})?/i;

const NUM = '[0-9０-９零〇一二兩三四五六七八九十百]+';
const ADDRESS = new RegExp(
  `(?:\\p{Script=Han}{2}[市縣])?(?:\\p{Script=Han}{1,3}[區鄉鎮])?\\p{Script=Han}{1,4}(?:路|街|大道)(?:[一二三四五六七八九十]段)?` +
    `(?:${NUM}巷)?(?:${NUM}弄)?${NUM}(?:之${NUM})?號(?:之${NUM})?(?:${NUM}樓(?:之${NUM})?)?`,
  'gu',
);
/** Words a greedy road-name match picks up in front of the road. */
const ADDRESS_LEAD = /^(?:我家|地址|住址|住在|我住|在|住|到|去|是|的|於|位於|就|那)+/u;

const NAME_STOP = new Set('的在住要想來說打問市里從這那有不沒因為跟和也就是啦喔耶啊嗎呢了你我他她們嗯個');
const TITLE = /^(?:先生|小姐|太太|女士)/;
const SURNAMES =
  '陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周徐蘇葉莊呂江何蕭羅高簡朱鍾施游詹沈彭胡余盧潘顏梁趙柯翁魏方孫戴范宋鄧杜傅侯曹薛丁卓阮馬董温唐藍蔣石古紀姚連馮歐程湯黃田康姜白汪鄒尤巫鐘龔嚴韓袁黎金阮';

/** Canonical address key: road + section + lane/alley/number, digits as ASCII, without city/district/floor. */
export function addressKey(address: string): string {
  const s = normaliseRoad(address.replace(/\s+/g, ''))
    .replace(/^(?:臺北市|台北市|新北市|\p{Script=Han}{2}[市縣](?=\p{Script=Han}{2}[區鄉鎮市]))/u, '')
    .replace(/^\p{Script=Han}{1,3}?[區鄉鎮](?=\p{Script=Han}{1,4}(?:路|街|大道))/u, '');
  const m = /(\p{Script=Han}{1,4}(?:路|街|大道))([一二三四五六七八九十]段)?(.*?號)/u.exec(s);
  if (!m) return s;
  const num = (m[3] as string).replace(/[零〇一二兩三四五六七八九十百]+/g, (x) =>
    String(parseNumeral(x) ?? x),
  );
  return `${m[1]}${m[2] ?? ''}${num}`;
}

export interface DetectOptions {
  names: boolean;
}

/** Finds personal data: every detector, before any policy or public-data filter. */
export function detectPii(text: string, options: DetectOptions): PiiSpan[] {
  const found: PiiSpan[] = [];
  // Nothing inside a URL is personal data (paths carry ids and numbers).
  const urls = [...text.matchAll(URL)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
  const free = (s: number, e: number) =>
    !found.some((f) => f.start < e && s < f.end) && !urls.some((u) => u.start < e && s < u.end);
  const add = (start: number, end: number, type: PiiType, value: string) => {
    if (free(start, end)) found.push({ start, end, type, value });
  };
  const sh = shadow(text);

  for (const m of text.matchAll(EMAIL)) add(m.index, m.index + m[0].length, 'email', m[0].toLowerCase());
  for (const m of sh.matchAll(ID)) {
    const id = m[0].replace(/[\s-]/g, '');
    if (idChecksumOk(id))
      add(m.index, m.index + m[0].length, /^[A-Z][12]/.test(id) ? 'national_id' : 'resident_id', id);
  }
  for (const m of sh.matchAll(DIGIT_RUN)) {
    const start = m.index;
    const end = start + m[0].length;
    let digits = m[0].replace(/\D/g, '');
    if (/^\+?886/.test(m[0].replace(/[\s-]/g, ''))) digits = `0${digits.slice(3)}`;
    const before = text.slice(Math.max(0, start - 12), start);
    // Official document numbers (府授字第0950007890號) are not personal.
    if (/第\s*$/.test(before) && /^\s*號/.test(text.slice(end, end + 2))) continue;
    if (digits.length >= 10 && digits.length <= 16 && ACCOUNT_CONTEXT.test(before)) {
      add(start, end, 'bank_account', digits);
    } else if (digits.length >= 13 && digits.length <= 19 && /^[3-6]/.test(digits) && luhnOk(digits)) {
      add(start, end, 'credit_card', digits);
    } else if (isPhoneShaped(digits) && (digits.startsWith('0') || PHONE_CONTEXT.test(before))) {
      // The extension goes with the number: redacting 02-2345-6789 must not leave 分機 123 behind.
      const extended = end + (EXTENSION_AFTER.exec(sh.slice(end, end + 16))?.[0].length ?? 0);
      const own =
        OWN_LINE_BEFORE.test(text.slice(Math.max(0, start - 16), start)) ||
        OWN_LINE_AFTER.test(text.slice(extended, extended + 8));
      const introduced = own ? 'own' : SERVICE_LINE.test(before) ? 'service_line' : undefined;
      if (free(start, extended)) {
        found.push({ start, end: extended, type: 'phone', value: digits, ...(introduced && { introduced }) });
      }
    }
  }
  for (const m of sh.matchAll(PLATE)) {
    const plate = m[0].replace(/\s/g, '');
    if (NOT_PLATE.test(plate)) continue;
    if (!plate.includes('-') && !PLATE_CONTEXT.test(text.slice(Math.max(0, m.index - 10), m.index))) continue;
    add(m.index, m.index + m[0].length, 'plate', plate);
  }
  // Every address ends in 號: a text without one is not tried at each of its characters.
  for (const m of text.includes('號') ? text.matchAll(ADDRESS) : []) {
    const lead = ADDRESS_LEAD.exec(m[0])?.[0].length ?? 0;
    const start = m.index + lead;
    const end = m.index + m[0].length;
    if (end - start > 4) add(start, end, 'address', addressKey(text.slice(start, end)));
  }
  if (options.names) {
    for (const m of text.matchAll(/(我叫|我是|我姓|敝姓|本人是?)(?=\p{Script=Han})/gu)) {
      const start = m.index + m[0].length;
      const isIs = m[1] === '我是';
      if (isIs && !SURNAMES.includes(text[start] as string)) continue;
      const max = m[1] === '我姓' || m[1] === '敝姓' ? 1 : 3;
      let end = start;
      while (end < text.length && end - start < max && /\p{Script=Han}/u.test(text[end] as string)) {
        if (end > start && (NAME_STOP.has(text[end] as string) || TITLE.test(text.slice(end)))) break;
        end++;
      }
      // 陳先生, 林小姐: a surname before a title is enough.
      const titled = end - start === 1 && TITLE.test(text.slice(end));
      if (end - start >= (max === 1 ? 1 : 2) || titled) add(start, end, 'name', text.slice(start, end));
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/** Phone numbers in a text, formatted (02-2720-8889): what the knowledge stage can offer as public. */
export function extractPhoneNumbers(text: string): string[] {
  return detectPii(text, { names: false })
    .filter((p) => p.type === 'phone')
    .map((p) => formatPhone(p.value));
}
