import * as OpenCC from 'opencc-js';
import STCharacters from 'opencc-js/dict/STCharacters';
import TSCharacters from 'opencc-js/dict/TSCharacters';
import { warmUpLater } from '../config/index.js';
import type { Replacement } from './draft.js';

let converter: ((text: string) => string) | null = null;
/**
 * Simplified → Taiwan Traditional with Taiwan phrases, the same chain as OpenCC's `s2twp.json`.
 * Building its phrase tables is a noticeable part of a start, so it is built on first use or once a
 * server is up, whichever comes first.
 */
const s2twp = (text: string): string => (converter ??= OpenCC.Converter({ from: 'cn', to: 'twp' }))(text);
warmUpLater(() => s2twp(''));

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

/**
 * Shared characters Taiwan writes in both forms where s2twp picks one (台北/臺北, 西新里/裡面, 周末/週末,
 * 雇主/僱主, 了解/瞭解, 公布/公佈, 水表/水錶, 核准/準): their conversion is no evidence of either script.
 * They are the shared characters s2twp changes most in the Traditional FAQ, SIGHAN and dev-query text.
 */
const TAIWAN_WRITES_BOTH = '台里周雇污了布占表准';

const CLAUSE = /[^\s\p{P}]+/gu;

interface Clause {
  text: string;
  base: number;
  simp: number;
  trad: number;
}

/** Words of shared characters Traditional writes with 裡 (哪裡, 那裡, 裡面): 里 there is Simplified. */
const SIMPLIFIED_LI = /[哪那]里|里面/g;

/**
 * Simplified evidence a clause of shared characters gives in context: the shared characters s2twp
 * changes there (几 → 幾, 后台 → 後臺, 干嘛 → 幹嘛) other than those Taiwan writes both ways, and 里 in
 * 哪里/那里/里面. OpenCC's phrase tables leave the shared characters alone where they are Traditional
 * (茶几, 皇后, 若干), so a change is their Simplified reading; without this a short all-Simplified
 * line (哪里, 后台) looked Traditional.
 */
function contextualEvidence(clause: string): number {
  let n = clause.match(SIMPLIFIED_LI)?.length ?? 0;
  for (const r of diff(clause, s2twp(clause), 0)) {
    for (const ch of clause.slice(r.start, r.end)) {
      if (SHARED.includes(ch) && !TAIWAN_WRITES_BOTH.includes(ch)) n++;
    }
  }
  return n;
}

/** A lexicon term found in the input (西新里, 台北市), and the lexicon's spelling of it. */
export interface KeptTerm {
  start: number;
  end: number;
  term: string;
}

/**
 * Converts Simplified clauses to Taiwan Traditional and leaves Traditional ones alone: s2twp is not
 * idempotent on Traditional text (it rewrites 西新里 → 西新裡, 對象 → 物件), so a clause is converted
 * only when it carries no Traditional-only characters and either Simplified-only ones or sits in an
 * utterance that is mostly Simplified; a mixed clause gets just its Simplified-only characters converted.
 * An utterance with no script-only characters at all is judged by what s2twp changes in context.
 * `keep` gives the lexicon terms found in the input, asked only when needed: one s2twp would spoil
 * (西新里 → 西新裡) is left as said, one it turns into the lexicon's spelling (台北市 → 臺北市) is converted
 * on its own, so a neighbouring phrase cannot swallow it (查询台北市 → 查詢檯北市 in opencc-js 1.4).
 */
export function toTaiwanTraditional(text: string, keep: () => readonly KeptTerm[] = () => []): Replacement[] {
  const clauses: Clause[] = [...text.matchAll(CLAUSE)].map((m) => {
    let simp = 0;
    let trad = 0;
    for (const ch of m[0]) {
      if (simplifiedOnly.has(ch)) simp++;
      else if (traditionalOnly.has(ch)) trad++;
    }
    return { text: m[0], base: m.index, simp, trad };
  });
  // A clause of shared characters only (然后, 这里 → 然后) follows the script of the whole utterance.
  let simp = clauses.reduce((n, c) => n + c.simp, 0);
  const trad = clauses.reduce((n, c) => n + c.trad, 0);
  if (simp === 0 && trad === 0) simp = clauses.reduce((n, c) => n + contextualEvidence(c.text), 0);
  const simplifiedUtterance = simp > trad;
  const out: Replacement[] = [];
  let kept: readonly KeptTerm[] | undefined;
  const convertInto = (part: string, at: number) => {
    const converted = s2twp(part);
    if (converted !== part) out.push(...diff(part, converted, at));
  };
  for (const { text: clause, base, simp, trad } of clauses) {
    if (trad === 0 && (simp > 0 || simplifiedUtterance)) {
      kept ??= keep();
      const end = base + clause.length;
      const spans = kept.filter((k) => k.start >= base && k.end <= end).sort((a, b) => a.start - b.start);
      let from = base;
      for (const span of spans) {
        if (span.end <= from) continue;
        if (span.start >= from) {
          convertInto(text.slice(from, span.start), from);
          const term = text.slice(span.start, span.end);
          if (s2twp(term) === span.term) convertInto(term, span.start);
        }
        // A term overlapping the one before stays as said beyond it.
        from = span.end;
      }
      convertInto(text.slice(from, end), from);
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
