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

/** A clause that cannot end a spoken sentence: it leads into what follows (除…外, A及, 例如). */
export const endsMidClause = (text: string): boolean =>
  /(?:[外及或並與且、，；：:,;的之等如]|以及|或是|並且|但是|例如|包括|如下)$/.test(
    text.replace(/[。？?]+$/, ''),
  );

/**
 * Cuts an over-long sentence after its last clause (，；) before `max` characters that can end a
 * spoken sentence, and ends it with 。; null when no such clause exists. Never cuts inside a
 * number, phone or URL: the cut is only ever at a clause mark.
 */
export function clipSentence(sentence: string, max: number): string | null {
  if (sentence.length <= max) return sentence;
  for (let cut = sentence.length; cut > 0;) {
    cut = Math.max(sentence.lastIndexOf('，', cut - 1), sentence.lastIndexOf('；', cut - 1));
    if (cut <= 0) break;
    const head = sentence.slice(0, cut);
    if (head.length <= max && head.length >= 8 && !endsMidClause(head)) return `${head}。`;
  }
  return null;
}

/** A lead-in such as "立案方式(擇一)：" that introduces the items after it. */
export const isHeader = (sentence: string): boolean => /[：:]$/.test(sentence);

/** A sentence wholly in parentheses: a legal reference or side note, not an answer. */
export const isAside = (sentence: string): boolean => /^[（(][^]*[)）][。]?$/.test(sentence);
