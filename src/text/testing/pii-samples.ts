import { mulberry32 } from '../seeded-random.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LEXICON_FILES } from '../lexicon.js';
import { extractPhoneNumbers, idCheckDigit, luhnOk, type PiiType } from '../pii.js';

/**
 * Generated personal data embedded in caller sentences, for redaction recall: valid national IDs and
 * resident certificate numbers (check digit computed), mobile and landline numbers (digits or read
 * one by one in Chinese), a caller's own home or office line with its extension (分機/轉/#), Luhn-valid
 * card numbers, e-mail addresses, bank accounts, plates, addresses.
 * Deterministic for a seed. All values are synthetic.
 */
export interface PiiSample {
  sentence: string;
  type: PiiType;
  /** Canonical value (digits for numbers). */
  value: string;
  /** The value as written in the sentence (with its extension): none of it may survive redaction. */
  shown: string;
}

const LETTERS = 'ABCDEFGHJKLMNPQTUVWXZ';
const SPOKEN = '零一二三四五六七八九';
/** Digits read out one by one. */
const spoken = (d: string) => [...d].map((c) => SPOKEN[Number(c)]).join('');

/** Seeded draws shared by the generators. */
function draws(seed: number) {
  const rand = mulberry32(seed);
  const int = (n: number) => Math.floor(rand() * n);
  return {
    rand,
    int,
    digits: (n: number) => Array.from({ length: n }, () => int(10)).join(''),
    pick: <T>(xs: readonly T[]): T => xs[int(xs.length)] as T,
  };
}

function withCheckDigit(letter: string, second: string, seven: string): string {
  const body = `${letter}${second}${seven}`;
  return `${body}${idCheckDigit(body)}`;
}

function luhnComplete(prefix: string, length: number, rand: () => number): string {
  let body = prefix;
  while (body.length < length - 1) body += Math.floor(rand() * 10);
  for (let check = 0; check < 10; check++) {
    if (luhnOk(body + check)) return body + check;
  }
  throw new Error('unreachable');
}

export function piiSamples(count: number, seed: number): PiiSample[] {
  const { rand, int, digits, pick } = draws(seed);
  const makers: (() => PiiSample)[] = [
    () => {
      const v = withCheckDigit(pick([...LETTERS]), pick(['1', '2']), digits(7));
      return {
        type: 'national_id',
        value: v,
        shown: v,
        sentence: pick([`我的身分證字號是${v}`, `身分證${v}，麻煩幫我查`, `證號 ${v} 謝謝`]),
      };
    },
    () => {
      const v = withCheckDigit(pick([...LETTERS]), pick(['8', '9']), digits(7));
      return { type: 'resident_id', value: v, shown: v, sentence: `我的居留證號碼是${v}，我是外籍配偶` };
    },
    () => {
      const v = withCheckDigit(pick([...LETTERS]), pick(['A', 'B', 'C', 'D']), digits(7));
      return { type: 'resident_id', value: v, shown: v, sentence: `舊的居留證${v}還能用嗎` };
    },
    () => {
      const v = `09${digits(8)}`;
      const form = pick([
        v,
        `${v.slice(0, 4)}-${v.slice(4, 7)}-${v.slice(7)}`,
        spoken(v),
        `${v.slice(0, 4)} ${v.slice(4, 7)} ${v.slice(7)}`,
      ]);
      return {
        type: 'phone',
        value: v,
        shown: form,
        sentence: pick([`我的手機是${form}`, `你可以打${form}找我`, `回電${form}，謝謝`]),
      };
    },
    () => {
      const v = `02${pick(['2', '8'])}${digits(7)}`;
      const form = pick([
        `(02)${v.slice(2, 6)}-${v.slice(6)}`,
        `02-${v.slice(2, 6)}-${v.slice(6)}`,
        spoken(v),
      ]);
      return { type: 'phone', value: v, shown: form, sentence: `我家電話是${form}，晚上都在` };
    },
    () => {
      // A caller's own home or office line, given with its extension: as personal as a mobile number.
      const area = pick(['02', '02', '03', '04', '05', '06', '07', '08']);
      const local =
        area === '02'
          ? `${pick(['2', '8'])}${digits(7)}`
          : `${pick(['2', '3', '5', '7', '8'])}${digits(6 + int(2))}`;
      const v = `${area}${local}`;
      const cut = local.length - 4;
      const number = pick([
        `(${area})${local.slice(0, cut)}-${local.slice(cut)}`,
        `${area}-${local.slice(0, cut)}-${local.slice(cut)}`,
        v,
        spoken(v),
      ]);
      const ext = String(1 + int(pick([99, 999, 9999])));
      const form = `${number}${pick([`分機${ext}`, `轉${ext}`, `#${ext}`, ` 分機 ${ext}`, `分機${spoken(ext)}`])}`;
      return {
        type: 'phone',
        value: v,
        shown: form,
        sentence: pick([
          `我家電話是${form}，晚上都在`,
          `我的電話${form}，白天比較好找`,
          `聯絡我請打${form}`,
          `有事打給我，${form}`,
          `我公司電話是${form}，麻煩回電`,
          `白天打${form}找我`,
          `回電給我${form}就可以`,
          `我辦公室的傳真是${form}`,
          `你可以打${form}，那是我家`,
        ]),
      };
    },
    () => {
      const v = luhnComplete(pick(['4', '5', '35']), 16, rand);
      const form = pick([v, v.replace(/(\d{4})(?=\d)/g, '$1 '), v.replace(/(\d{4})(?=\d)/g, '$1-')]);
      return { type: 'credit_card', value: v, shown: form, sentence: `信用卡號${form}被盜刷了` };
    },
    () => {
      const v = `user${digits(4)}@example.com.tw`;
      return { type: 'email', value: v, shown: v, sentence: `寄到我的信箱 ${v} 就好` };
    },
    () => {
      const v = digits(12 + int(3));
      return { type: 'bank_account', value: v, shown: v, sentence: `退費請匯到我的帳號${v}` };
    },
    () => {
      const v = `${pick(['ABC', 'RAA', 'BKT', 'EAL'])}-${digits(4)}`;
      return { type: 'plate', value: v, shown: v, sentence: `我的車牌是${v}，被拖吊了` };
    },
    () => {
      const v = `${pick(['忠孝東路四段', '和平東路二段', '民生東路五段', '基隆路一段'])}${1 + int(300)}巷${1 + int(20)}弄${1 + int(99)}號${1 + int(12)}樓`;
      return { type: 'address', value: v, shown: v, sentence: `我住在${v}，門口有坑洞` };
    },
  ];
  return Array.from({ length: count }, (_, i) => (makers[i % makers.length] as () => PiiSample)());
}

/** A published office line: its digits and the agency it belongs to (agency contacts, KB answers). */
export interface PublicLine {
  digits: string;
  agency: string;
}

/**
 * Every office landline published in the agency contacts file (電話, 傳真) and in the KB's answers,
 * with the agency it belongs to.
 */
export function officeLines(
  lexiconDir: string,
  faq: readonly { agency: string; answer: string }[],
): PublicLine[] {
  const contacts = JSON.parse(readFileSync(join(lexiconDir, LEXICON_FILES.contacts), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  const published = [
    ...Object.entries(contacts).flatMap(([agency, record]) =>
      [record['電話'], record['傳真']].map((text) => ({ agency, text: String(text ?? '') })),
    ),
    ...faq.map((e) => ({ agency: e.agency, text: e.answer })),
  ];
  return published.flatMap(({ agency, text }) =>
    extractPhoneNumbers(text)
      .map((n) => n.replace(/\D/g, ''))
      .filter((digits) => /^0[2-8]/.test(digits))
      .map((digits) => ({ digits, agency })),
  );
}

/** A sentence mentioning a published office line, which redaction must keep. */
export interface PublicLineSample {
  sentence: string;
  digits: string;
  /** The number as written (with any extension). */
  shown: string;
}

/**
 * Office numbers from the agency contacts and the KB's answers as callers and answers mention them:
 * formatted several ways, with or without an extension, some right after 我的/打給 — the number, not the
 * wording, makes them public. For the false-positive side of redaction. Deterministic for a seed.
 */
export function publicLineSamples(
  lines: readonly PublicLine[],
  count: number,
  seed: number,
): PublicLineSample[] {
  const { int, pick } = draws(seed);
  return Array.from({ length: count }, () => {
    const { digits: d, agency } = pick(lines);
    const m = /^(0[2-8])(\d+)$/.exec(d);
    const area = m?.[1] ?? '';
    const local = m?.[2] ?? d;
    const cut = local.length - 4;
    const number = area
      ? pick([
          `(${area})${local.slice(0, cut)}-${local.slice(cut)}`,
          `${area}-${local.slice(0, cut)}-${local.slice(cut)}`,
          d,
          spoken(d),
        ])
      : d;
    const ext = pick(['', '', `分機${1 + int(9999)}`, `轉${1 + int(9999)}`, `#${1 + int(999)}`]);
    const shown = `${number}${ext}`;
    const sentence = pick([
      `請問${agency}的電話是不是${shown}`,
      `我打了${shown}都沒人接`,
      `${agency}說要打${shown}，是這支嗎`,
      `我的案子${agency}叫我打${shown}`,
      `你們網站寫${shown}，打不通`,
      `請洽${agency}（電話：${shown}）`,
      `可電洽${shown}詢問`,
      `聯絡電話：${shown}`,
      `如有疑問請撥${shown}，由專人為您服務`,
      `${agency}電話${shown}`,
    ]);
    return { sentence, digits: d, shown };
  });
}
