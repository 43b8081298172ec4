import type { Replacement } from './draft.js';

/** A pause at an offset of the current text. */
export interface Pause {
  at: number;
  ms: number;
}

/** Shorter pauses are breath; longer ones end a clause; the longest end a sentence. */
export const COMMA_PAUSE_MS = 300;
export const STOP_PAUSE_MS = 900;

/** A question: a question word near the end of the clause, a question particle at its end, or 請問 up front. */
const QUESTION_WORD =
  /(?:什麼|怎麼|如何|哪裡|哪裏|哪邊|哪個|為什麼|是不是|能不能|可不可以|會不會|有沒有|要不要|多少|多久|幾點|幾號|幾個|幾天)/;
const QUESTION_END = /(?:嗎|呢|吗)\s*$/;
const QUESTION_TAIL_CHARS = 10;
const isQuestion = (clause: string): boolean =>
  QUESTION_END.test(clause) ||
  /^\s*請問/.test(clause) ||
  QUESTION_WORD.test(clause.slice(-QUESTION_TAIL_CHARS));

const PUNCT = /[\p{P}]/u;
const DIGITISH = /[0-9０-９零〇一二三四五六七八九么幺洞]/;

const sentenceEnd = (clause: string): string => (isQuestion(clause) ? '？' : '。');

/**
 * Sentence punctuation from pauses (VAD/ASR timings) and simple rules: spaces between Han words become
 * commas, a long pause or the end of a final ends the sentence with 。 or ？ (question words).
 * Never between two digits, so phone numbers read in groups stay whole.
 */
export function punctuate(text: string, pauses: readonly Pause[], final: boolean): Replacement[] {
  const out: Replacement[] = [];
  const at = new Map<number, number>();
  for (const p of pauses) if (p.at > 0 && p.at < text.length) at.set(p.at, Math.max(at.get(p.at) ?? 0, p.ms));
  // Only between Han words: code-switched English (yesterday was 星期一) keeps its spaces.
  for (const m of text.matchAll(/(?<=\p{Script=Han})[ \u3000]+(?=\p{Script=Han})/gu)) {
    const end = m.index + m[0].length;
    if (DIGITISH.test(text[m.index - 1] ?? '') && DIGITISH.test(text[end] ?? '')) continue;
    at.set(m.index, Math.max(at.get(m.index) ?? 0, COMMA_PAUSE_MS));
    out.push({ start: m.index, end, text: '', kind: 'punct' });
  }
  const points = [...at].filter(([, ms]) => ms >= COMMA_PAUSE_MS).sort((a, b) => a[0] - b[0]);
  let clauseStart = 0;
  for (const [pos, ms] of points) {
    const prev = text[pos - 1] ?? '';
    const next = text.slice(pos).trimStart()[0] ?? '';
    if (!prev || PUNCT.test(prev) || PUNCT.test(next) || (DIGITISH.test(prev) && DIGITISH.test(next)))
      continue;
    const mark = ms >= STOP_PAUSE_MS ? sentenceEnd(text.slice(clauseStart, pos)) : '，';
    const space = out.find((r) => r.start === pos);
    if (space) space.text = mark;
    else out.push({ start: pos, end: pos, text: mark, kind: 'punct' });
    clauseStart = pos;
  }
  for (const r of out) if (r.text === '' && /^[ \u3000]+$/.test(text.slice(r.start, r.end))) r.text = '，';
  if (final) {
    const trimmed = text.trimEnd();
    if (trimmed && !PUNCT.test(trimmed.at(-1) as string)) {
      const lastStop = Math.max(clauseStart, ...[...trimmed.matchAll(/[。？！?!]/g)].map((m) => m.index + 1));
      out.push({
        start: trimmed.length,
        end: text.length,
        text: sentenceEnd(trimmed.slice(lastStop)),
        kind: 'punct',
      });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}
