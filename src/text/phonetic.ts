import { pinyin } from 'pinyin-pro';
import { warmUpLater } from '../config/index.js';
import type { Replacement } from './draft.js';
import type { LexiconTerm, TermKind } from './lexicon.js';
import { foldAccent, phoneticKey } from './pinyin.js';

interface IndexedTerm {
  text: string;
  kind: TermKind;
  key: string[];
}

/** A lexicon term found in a text: exactly, or by sound. */
export interface TermMatch {
  start: number;
  end: number;
  term: string;
  kind: TermKind;
  /** Characters that already agree with the term. */
  same: number;
  /** The term's accent-folded syllables. */
  key: readonly string[];
}

const HAN = /^\p{Script=Han}$/u;
/** Variant pairs written either way in Taiwan; never worth an edit. */
const VARIANTS: Record<string, string> = { 台: '臺', 裏: '裡' };
const canon = (ch: string): string => VARIANTS[ch] ?? ch;

/** The last character of a term that says what it is (區, 里, 路, 局…): evidence only when it agrees. */
const CATEGORY_SUFFIX = new Set('區里路街段巷局處科所院會館隊站園');

/** Characters that start a new word after a name (的, 是, 在…). */
const FUNCTION_WORDS = new Set('的是在有和跟與及或要會嗎呢了都也還就說被把給到');

/** Before a two-character place name: 住在內湖, 去松山. */
const PLACE_VERB = /(?:住在|住|在|去|到|從|搬到)$/;

/** After a two-character place name, what makes it a place (松山區, 內湖路, 中山站…). */
const PLACE_CONTEXT = new Set('區路街站里那這附一分國捷機科園大');

const readingCache = new Map<string, readonly string[]>();
let warming = false;
const CJK_FIRST = 0x4e00;
const CJK_LAST = 0x9fff;
/** Characters looked up per warm-up task (a few ms each). */
const WARM_SLICE = 1500;

/**
 * Fills the reading cache for the whole CJK Unified Ideographs block once per process (~21k
 * characters): a character met for the first time on a live partial would otherwise cost a
 * dictionary lookup on the hot path. Done in slices once a server is up, so a start does not wait.
 */
function warmReadings(): void {
  if (warming) return;
  warming = true;
  for (let from = CJK_FIRST; from <= CJK_LAST; from += WARM_SLICE)
    warmUpLater(() => {
      for (let code = from; code < Math.min(CJK_LAST + 1, from + WARM_SLICE); code++)
        readings(String.fromCharCode(code));
    });
}

/** Every accent-folded reading of one character (行 → xin, hang, hen): input is matched on any. */
function readings(ch: string): readonly string[] {
  let r = readingCache.get(ch);
  if (!r) {
    r = HAN.test(ch)
      ? [
          ...new Set(
            pinyin(ch, { multiple: true, type: 'array', toneType: 'none' }).map((s) =>
              foldAccent(s.toLowerCase()),
            ),
          ),
        ]
      : [];
    readingCache.set(ch, r);
  }
  return r;
}

/**
 * Lexicon terms indexed by accent-folded pinyin. Finds terms in a text by sound and proposes a
 * correction only on strong evidence:
 * - every syllable matches (after the Taiwan-accent merges), and at least one character already agrees
 *   — at most half of a term may be rewritten;
 * - a category suffix (區, 路, 局…) is rewritten only when every other character agrees, by its usual
 *   reading, at a word boundary; 里 never: 重陽禮金 must not become 重陽里金, 大道理 not 大道里;
 * - the term has three or more characters, or two with a place context around it (松山區, 住在內湖);
 * - no other term sounds the same at that span with equal support (no margin → no edit);
 * - longer matches win; exact matches protect their span.
 */
export class PhoneticIndex {
  private readonly byFirst = new Map<string, IndexedTerm[]>();
  readonly size: number;

  constructor(terms: readonly LexiconTerm[]) {
    warmReadings();
    const seen = new Set<string>();
    for (const t of terms) {
      if (seen.has(t.text) || t.text.length < 2 || ![...t.text].every((c) => HAN.test(c))) continue;
      seen.add(t.text);
      const key = phoneticKey(t.text);
      if (key.length !== t.text.length) continue;
      const bucket = this.byFirst.get(key[0] as string) ?? [];
      bucket.push({ text: t.text, kind: t.kind, key });
      this.byFirst.set(key[0] as string, bucket);
    }
    this.size = seen.size;
  }

  /** Every term occurrence, exact or by sound, before any evidence rule. */
  matches(text: string): TermMatch[] {
    const out: TermMatch[] = [];
    const n = text.length;
    const reads: (readonly string[])[] = new Array(n);
    for (let i = 0; i < n; i++) reads[i] = readings(text[i] as string);
    for (let i = 0; i < n; i++) {
      for (const r of reads[i] as readonly string[]) {
        const bucket = this.byFirst.get(r);
        if (!bucket) continue;
        for (const t of bucket) {
          const len = t.key.length;
          if (i + len > n) continue;
          let ok = true;
          for (let j = 1; j < len && ok; j++)
            ok = (reads[i + j] as readonly string[]).includes(t.key[j] as string);
          if (!ok) continue;
          let same = 0;
          for (let j = 0; j < len; j++)
            if (canon(text[i + j] as string) === canon(t.text[j] as string)) same++;
          out.push({ start: i, end: i + len, term: t.text, kind: t.kind, same, key: t.key });
        }
      }
    }
    return out;
  }

  /**
   * Corrections to make and the spans of lexicon terms now in the text (protected from ITN).
   */
  correct(text: string): { replacements: Replacement[]; terms: TermMatch[] } {
    const all = this.matches(text);
    if (all.length === 0) return { replacements: [], terms: [] };
    const best = new Map<string, TermMatch[]>();
    for (const m of all) {
      const k = `${m.start}:${m.end}`;
      const list = best.get(k) ?? [];
      list.push(m);
      best.set(k, list);
    }
    const candidates: TermMatch[] = [];
    for (const list of best.values()) {
      list.sort((a, b) => b.same - a.same);
      const top = list[0] as TermMatch;
      const len = top.end - top.start;
      if (top.same === len) {
        candidates.push(top);
        continue;
      }
      const second = list[1];
      if (second && second.same === top.same && canonText(second.term) !== canonText(top.term)) continue;
      if (top.same < 1 || len - top.same > Math.floor(len / 2)) continue;
      const last = top.term[len - 1] as string;
      const said = canon(text[top.end - 1] as string);
      if (CATEGORY_SUFFIX.has(last) && said !== last) {
        // A rewritten suffix needs everything else to agree, a character with one reading (車 che/ju is no
        // evidence for 局), and a
        // word boundary right after it (開發可以 is not 開發科); 里 never (道理, 心裡, 禮).
        const next = text[top.end] ?? '';
        const boundary = !/\p{Script=Han}/u.test(next) || FUNCTION_WORDS.has(next);
        const unambiguous = readings(said).length === 1;
        if (last === '里' || top.same < len - 1 || !boundary || !unambiguous) continue;
      }
      if (len === 2 && !PLACE_CONTEXT.has(text[top.end] ?? '') && !PLACE_VERB.test(text.slice(0, top.start)))
        continue;
      if (len === 2 && top.kind !== 'district') continue;
      candidates.push(top);
    }
    candidates.sort((a, b) => b.end - b.start - (a.end - a.start) || b.same - a.same || a.start - b.start);
    const chosen: TermMatch[] = [];
    for (const c of candidates) {
      if (chosen.some((x) => x.start < c.end && c.start < x.end)) continue;
      chosen.push(c);
    }
    chosen.sort((a, b) => a.start - b.start);
    const replacements: Replacement[] = [];
    for (const c of chosen) {
      if (c.same === c.end - c.start) continue;
      // Only the characters that differ are rewritten, so the edit shows exactly what changed.
      let s = c.start;
      let e = c.end;
      while (s < e && canon(text[s] as string) === canon(c.term[s - c.start] as string)) s++;
      while (e > s && canon(text[e - 1] as string) === canon(c.term[e - 1 - c.start] as string)) e--;
      replacements.push({ start: s, end: e, text: c.term.slice(s - c.start, e - c.start), kind: 'lexicon' });
    }
    return { replacements, terms: chosen };
  }
}

const canonText = (s: string): string => [...s].map(canon).join('');
