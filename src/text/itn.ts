import type { Replacement } from './draft.js';
import { chineseNumeral } from './lexicon.js';
import {
  NUMERAL_CHARS,
  SEQUENCE_DIGITS,
  formatPhone,
  isPhoneShaped,
  parseNumeral,
  sequenceDigits,
} from './numerals.js';

interface Span {
  start: number;
  end: number;
}

const esc = (s: string) => s.replace(/[-\\^\]]/g, '\\$&');
const SEQ = `[${esc(SEQUENCE_DIGITS)}]`;
/** Digits read one by one, possibly grouped with spaces or hyphens (零九一二 三四五 六七八). */
const SEQUENCE_RUN = new RegExp(`[A-Za-z]?${SEQ}(?:[ \\-]?${SEQ})+`, 'g');
const NUMERAL_RUN = new RegExp(`[${esc(NUMERAL_CHARS)}]+`, 'g');

/** Just before a run of digits, what makes it a phone or case number however short. */
const NUMBER_CONTEXT =
  /(?:電話|手機|號碼|專線|分機|轉|撥|打|案號|編號|單號|帳號|統編|代碼|門牌)[是為：: ]{0,2}$/;
const TIME_PREFIX = /(?:上午|下午|早上|晚上|中午|凌晨|傍晚|半夜|今天|明天|後天|昨天|禮拜.|星期.|週.)$/;
const ADDRESS_UNIT = /^[巷弄樓鄰]/;
const MEASURE = /^(?:歲|坪|公斤|公里|公尺|公分|分鐘|小時|個小時)/;

/**
 * Inverse text normalization where Taiwanese writing uses digits: phone and case numbers, ROC/Western
 * years, dates, times, money, address numbers (巷弄號樓; road sections stay 一段), ages and measures,
 * percentages. A number needs its unit or context, so idioms (一石二鳥, 三心二意) and names stay as spoken.
 */
export function inverseNormalize(text: string, protectedSpans: readonly Span[] = []): Replacement[] {
  const out: Replacement[] = [];
  const taken = (s: number, e: number) =>
    protectedSpans.some((p) => p.start < e && s < p.end) || out.some((r) => r.start < e && s < r.end);
  const push = (start: number, end: number, value: string) => {
    if (text.slice(start, end) !== value && !taken(start, end))
      out.push({ start, end, text: value, kind: 'itn' });
  };

  for (const m of text.matchAll(SEQUENCE_RUN)) {
    let start = m.index;
    let run = m[0];
    const letter = /^[A-Za-z]/.test(run) ? run[0] : '';
    const body = letter ? run.slice(1) : run;
    const digits = sequenceDigits(body.replace(/[ -]/g, ''));
    if (digits === null) continue;
    const before = text.slice(Math.max(0, start - 6), start);
    const after = text.slice(start + run.length, start + run.length + 2);
    // Already digits (0912345678, 110-112): only a bare phone number gets its usual grouping.
    if (!/[^0-9０-９\s-]/.test(body)) {
      if (isPhoneShaped(digits) && !/[ -]/.test(body) && !letter)
        push(start, start + run.length, formatPhone(digits));
      continue;
    }
    if (after.startsWith('年') && digits.length >= 2 && digits.length <= 4 && !letter) {
      push(start, start + run.length, digits);
      continue;
    }
    // 么/洞 are only ever phone-style digits; elsewhere (什么, 山洞) leave the run alone.
    if (/[么幺洞]/.test(body) && digits.length < 7) continue;
    const phone = isPhoneShaped(digits);
    const enough =
      digits.length >= 4 || NUMBER_CONTEXT.test(before) || ADDRESS_UNIT.test(after) || after.startsWith('號');
    if (!enough || digits.length < 2) continue;
    if (letter && digits.length < 4) {
      start += 1;
      run = body;
    }
    push(
      start,
      start + run.length,
      (letter && run !== body ? letter.toUpperCase() : '') +
        (phone && !letter ? formatPhone(digits) : digits),
    );
  }

  for (const m of text.matchAll(NUMERAL_RUN)) {
    const start = m.index;
    const run = m[0];
    if (/^[百千萬億]/.test(run)) continue;
    const end = start + run.length;
    const before = text.slice(Math.max(0, start - 4), start);
    const after = text.slice(end, end + 4);
    if (before.endsWith('百分之')) {
      const v = parseNumeral(run);
      if (v !== null && v <= 100) {
        if (!taken(start - 3, end)) out.push({ start: start - 3, end, text: `${v}%`, kind: 'itn' });
      }
      continue;
    }
    // Road sections are written in Chinese numerals: 八德路3段 → 八德路三段.
    if (after.startsWith('段') && /[路街道]$/.test(before)) {
      const v = parseNumeral(run);
      if (v !== null && v >= 1 && v <= 12) push(start, end, chineseNumeral(v));
      continue;
    }
    if (/^[0-9０-９]+$/.test(run)) continue;
    const v = parseNumeral(run);
    if (v === null) continue;
    if (after.startsWith('年')) {
      if (v >= 10 || /(?:民國|西元)$/.test(before)) push(start, end, String(v));
    } else if (after.startsWith('月') && v >= 1 && v <= 12 && !/[個个]$/.test(before)) {
      push(start, end, String(v));
    } else if (/^[日號号]/.test(after) && /[月]$/.test(before) && v >= 1 && v <= 31) {
      push(start, end, String(v));
    } else if (
      /^[號号巷弄樓鄰]/.test(after) ||
      (/^之$/.test(before.slice(-1)) && /號$/.test(before.slice(0, -1)))
    ) {
      if (v >= 1 && v <= 99_999) push(start, end, String(v));
    } else if (after.startsWith('點') && v <= 24) {
      time(text, start, end, v, before, push);
    } else if (/^(?:元|塊|圓)/.test(after) || /(?:新台幣|新臺幣|台幣|臺幣)$/.test(before)) {
      push(start, end, money(run, v));
    } else if (MEASURE.test(after) && v >= 2) {
      push(start, end, String(v));
    }
  }
  return out;
}

function money(run: string, v: number): string {
  if (/億$/.test(run) && v % 100_000_000 === 0) return `${v / 100_000_000}億`;
  if (/萬$/.test(run) && v % 10_000 === 0) return `${v / 10_000}萬`;
  return v.toLocaleString('en-US');
}

/** 下午三點半 → 下午3:30, 三點十五分 → 3:15; a bare 三點 only with a time-of-day word before it. */
function time(
  text: string,
  start: number,
  end: number,
  hour: number,
  before: string,
  push: (s: number, e: number, v: string) => void,
): void {
  const rest = text.slice(end + 1);
  const half = /^半/.exec(rest);
  const minutes = new RegExp(`^([${esc(NUMERAL_CHARS)}]+)分(?!鐘)`).exec(rest);
  if (half) {
    push(start, end + 2, `${hour}:30`);
    return;
  }
  if (minutes) {
    const mm = parseNumeral(minutes[1] as string);
    if (mm !== null && mm < 60)
      push(start, end + 2 + (minutes[1] as string).length, `${hour}:${String(mm).padStart(2, '0')}`);
    return;
  }
  if (TIME_PREFIX.test(before) || /^(?:整|鐘)/.test(rest)) push(start, end, String(hour));
}
