import * as OpenCC from 'opencc-js';
import STCharacters from 'opencc-js/dict/STCharacters';
import TSCharacters from 'opencc-js/dict/TSCharacters';
import type { Replacement } from './draft.js';

/** Simplified → Taiwan Traditional with Taiwan phrases, the same chain as OpenCC's `s2twp.json`. */
const s2twp = OpenCC.Converter({ from: 'cn', to: 'twp' });

/**
 * Characters OpenCC maps to a Traditional form although they are themselves correct Traditional
 * characters in other words (upstream STCharacters lists them among their own candidates):
 * 里 (西新里), 台 (台北), 了, 只, 周… Their presence says nothing about the script of a text.
 */
const SHARED =
  '台里了只念布周伙雇污干后系面余准几松征志制朴卜丑出斗谷蒙舍范表云采借合向吁家克困姜帘仆佣凶划刮卷致咸夸岳游愈托折才杰沈注泛烟症秋术蜡御占冬霉吊恶';

function keysOf(dict: string, keep: (from: string, to: string) => boolean): Set<string> {
  const set = new Set<string>();
  for (const pair of dict.split('|')) {
    const [from = '', to = ''] = pair.split(' ');
    if (from && keep(from, to)) set.add(from);
  }
  return set;
}

/** Characters that only Traditional text uses (們, 區, 義…). */
const traditionalOnly = keysOf(TSCharacters, (from, to) => from !== to);
/** Characters that only Simplified text uses (们, 区, 义…). */
const simplifiedOnly = keysOf(
  STCharacters,
  (from, to) => from !== to && !traditionalOnly.has(from) && !SHARED.includes(from),
);

const CLAUSE = /[^\s\p{P}]+/gu;

/**
 * Converts Simplified clauses to Taiwan Traditional and leaves Traditional ones alone: s2twp is not
 * idempotent on Traditional text (it rewrites 西新里 → 西新裡, 對象 → 物件), so a clause is converted
 * only when it carries no Traditional-only characters and either Simplified-only ones or sits in an
 * utterance that is mostly Simplified; a mixed clause gets just its Simplified-only characters converted.
 * `keep` gives spans (lexicon terms found in the input) to leave as they are; asked only when needed.
 */
export function toTaiwanTraditional(
  text: string,
  keep: () => readonly { start: number; end: number }[] = () => [],
): Replacement[] {
  const clauses = [...text.matchAll(CLAUSE)].map((m) => {
    let simp = 0;
    let trad = 0;
    for (const ch of m[0]) {
      if (simplifiedOnly.has(ch)) simp++;
      else if (traditionalOnly.has(ch)) trad++;
    }
    return { text: m[0], base: m.index, simp, trad };
  });
  // A clause of shared characters only (然后, 这里 → 然后) follows the script of the whole utterance.
  const simplifiedUtterance =
    clauses.reduce((n, c) => n + c.simp, 0) > clauses.reduce((n, c) => n + c.trad, 0);
  const out: Replacement[] = [];
  let kept: readonly { start: number; end: number }[] | undefined;
  for (const { text: clause, base, simp, trad } of clauses) {
    if (trad === 0 && (simp > 0 || simplifiedUtterance)) {
      // Lexicon terms already written right (西新里) are converted around, not through (西新裡).
      let from = 0;
      kept ??= keep();
      const spans = kept
        .filter((k) => k.start >= base && k.end <= base + clause.length)
        .sort((a, b) => a.start - b.start);
      for (const piece of [...spans, { start: base + clause.length, end: base + clause.length }]) {
        const part = clause.slice(from, piece.start - base);
        const converted = s2twp(part);
        if (converted !== part) out.push(...diff(part, converted, base + from));
        from = Math.max(from, piece.end - base);
      }
      continue;
    }
    if (simp === 0) continue;
    let i = 0;
    for (const ch of clause) {
      if (simplifiedOnly.has(ch)) {
        const t = s2twp(ch);
        if (t !== ch) out.push({ start: base + i, end: base + i + ch.length, text: t, kind: 's2t' });
      }
      i += ch.length;
    }
  }
  return mergeAdjacent(out, text);
}

/** Character diff of a clause and its conversion (lengths differ when a phrase changes: U盤 → 隨身碟). */
function diff(a: string, b: string, base: number): Replacement[] {
  if (a.length === b.length) {
    const out: Replacement[] = [];
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) out.push({ start: base + i, end: base + i + 1, text: b[i] as string, kind: 's2t' });
    }
    return out;
  }
  // Longest common subsequence on the differing middle; clauses are short.
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf])
    suf++;
  const x = a.slice(pre, a.length - suf);
  const y = b.slice(pre, b.length - suf);
  if (x.length * y.length > 250_000)
    return [{ start: base + pre, end: base + pre + x.length, text: y, kind: 's2t' }];
  const n = x.length;
  const m = y.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] =
        x[i] === y[j]
          ? (lcs[i + 1] as number[])[j + 1]! + 1
          : Math.max((lcs[i + 1] as number[])[j]!, row[j + 1]!);
    }
  }
  const out: Replacement[] = [];
  let i = 0;
  let j = 0;
  let open: Replacement | null = null;
  const flush = () => {
    if (open) out.push(open);
    open = null;
  };
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      flush();
      i++;
      j++;
    } else {
      open ??= { start: base + pre + i, end: base + pre + i, text: '', kind: 's2t' };
      if (j < m && (i >= n || (lcs[i] as number[])[j + 1]! >= (lcs[i + 1] as number[])[j]!)) {
        open.text += y[j];
        j++;
      } else {
        open.end++;
        i++;
      }
    }
  }
  flush();
  return out;
}

/** Joins changes at most one unchanged character apart, so 鼠标 → 滑鼠 reads as one edit. */
function mergeAdjacent(list: Replacement[], text: string): Replacement[] {
  const out: Replacement[] = [];
  for (const r of list) {
    const last = out.at(-1);
    if (last && r.start - last.end <= 1) {
      last.text += text.slice(last.end, r.start) + r.text;
      last.end = r.end;
    } else out.push({ ...r });
  }
  return out;
}
