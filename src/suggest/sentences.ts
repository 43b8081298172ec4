/**
 * Sentence-level tools for condensing an official answer without rewriting it: split into
 * sentences (and list items), strip list markers, and score sentences against the question.
 */

// List markers at the start of an item: 一、 (一) （1） 1、 1. ① — "(02)" (an area code) is not one.
const ENUMERATOR =
  /^(?:[一二三四五六七八九十]{1,3}[、.．]|[（(][一二三四五六七八九十]{1,3}[)）]|[（(](?:[1-9]|1\d|20)[)）](?!\d)|(?:[1-9]|1\d|20)[、．](?!\d)|(?:[1-9]|1\d)\.(?!\d)|[①-⑳])\s*/;
// The same markers where a new item starts in the middle of a text.
const ITEM_START =
  /(?=(?:(?<!第)[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[)）]|[（(](?:[1-9]|1\d|20)[)）](?!\d)|(?<![\d第])(?:[1-9]|1\d|20)、(?!\d)|[①-⑳]))/;

export function stripEnumerator(sentence: string): string {
  let out = sentence.trim();
  for (let i = 0; i < 3; i++) {
    const next = out.replace(ENUMERATOR, '').trim();
    if (next === out) break;
    out = next;
  }
  return out;
}

/** Sentences and list items in source order, markers removed, empty pieces dropped. */
export function splitSentences(text: string): string[] {
  const pieces: string[] = [];
  for (const line of text.replace(/\r/g, '').split(/\n+/)) {
    // An ASCII ? or ! inside a URL (aspx?pcode=) does not end a sentence.
    for (const sentence of line.split(/(?<=[。！？；])|(?<=[!?])(?![\w=&%])/)) {
      for (const item of sentence.split(ITEM_START)) {
        const clean = stripEnumerator(item).replace(/^[，,：:；;\s]+/, '');
        if (/[\p{Script=Han}\p{L}\p{N}]/u.test(clean)) pieces.push(clean);
      }
    }
  }
  return pieces;
}

const HAN_OR_WORD = /[\p{Script=Han}]|[a-z0-9]+/giu;

/** Character bigrams (plus ASCII words) — robust to unsegmented Chinese. */
export function bigrams(text: string): Set<string> {
  const units = text.toLowerCase().match(HAN_OR_WORD) ?? [];
  const out = new Set<string>();
  for (let i = 0; i < units.length; i++) {
    const unit = units[i] as string;
    if (unit.length > 1) out.add(unit);
    const next = units[i + 1];
    if (next !== undefined) out.add(unit + next);
  }
  return out;
}

// Function words that match everywhere and say nothing about what was asked.
const STOP_BIGRAMS = new Set([
  '如何',
  '請問',
  '可以',
  '是否',
  '什麼',
  '怎麼',
  '我要',
  '我想',
  '一下',
  '相關',
  '臺北',
  '台北',
  '北市',
]);

/** How much of a sentence is about the question (0 when nothing matches). */
export function overlapScore(sentence: Set<string>, query: Set<string>): number {
  if (sentence.size === 0) return 0;
  let hits = 0;
  for (const gram of sentence) if (query.has(gram) && !STOP_BIGRAMS.has(gram)) hits++;
  return hits / Math.sqrt(sentence.size);
}

/** Cuts an over-long sentence at the last clause boundary before `max` characters. */
export function clipSentence(sentence: string, max: number): string {
  if (sentence.length <= max) return sentence;
  let cut = sentence.lastIndexOf('，', max);
  if (cut <= max / 3) {
    // Never cut through a number, phone or URL: a half number is an invented number.
    cut = max;
    while (
      cut > 0 &&
      /[\w０-９.:/\-~%,]/.test(sentence[cut - 1] ?? '') &&
      /[\w０-９.:/\-~%,]/.test(sentence[cut] ?? '')
    )
      cut--;
  }
  return sentence.slice(0, cut).replace(/[，、]$/, '') + '…';
}

/** A lead-in such as "立案方式(擇一)：" that introduces the items after it. */
export const isHeader = (sentence: string): boolean => /[：:]$/.test(sentence);

/** A sentence wholly in parentheses: a legal reference or side note, not an answer. */
export const isAside = (sentence: string): boolean => /^[（(][^]*[)）][。]?$/.test(sentence);
