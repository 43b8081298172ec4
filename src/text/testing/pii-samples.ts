import { mulberry32 } from './homophone-noise.js';
import { idCheckDigit, luhnOk, type PiiType } from '../pii.js';

/**
 * Generated personal data embedded in caller sentences, for redaction recall: valid national IDs and
 * resident certificate numbers (check digit computed), mobile and landline numbers (digits or read
 * one by one in Chinese), Luhn-valid card numbers, e-mail addresses, bank accounts, plates, addresses.
 * Deterministic for a seed. All values are synthetic.
 */
export interface PiiSample {
  sentence: string;
  type: PiiType;
  value: string;
}

const LETTERS = 'ABCDEFGHJKLMNPQTUVWXZ';
const SPOKEN = '零一二三四五六七八九';

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
  const rand = mulberry32(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const digits = (n: number) => Array.from({ length: n }, () => int(10)).join('');
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const spoken = (d: string) => [...d].map((c) => SPOKEN[Number(c)]).join('');
  const makers: (() => PiiSample)[] = [
    () => {
      const v = withCheckDigit(pick([...LETTERS]), pick(['1', '2']), digits(7));
      return {
        type: 'national_id',
        value: v,
        sentence: pick([`我的身分證字號是${v}`, `身分證${v}，麻煩幫我查`, `證號 ${v} 謝謝`]),
      };
    },
    () => {
      const v = withCheckDigit(pick([...LETTERS]), pick(['8', '9']), digits(7));
      return { type: 'resident_id', value: v, sentence: `我的居留證號碼是${v}，我是外籍配偶` };
    },
    () => {
      const v = withCheckDigit(pick([...LETTERS]), pick(['A', 'B', 'C', 'D']), digits(7));
      return { type: 'resident_id', value: v, sentence: `舊的居留證${v}還能用嗎` };
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
      return { type: 'phone', value: v, sentence: `我家電話是${form}，晚上都在` };
    },
    () => {
      const v = luhnComplete(pick(['4', '5', '35']), 16, rand);
      const form = pick([v, v.replace(/(\d{4})(?=\d)/g, '$1 '), v.replace(/(\d{4})(?=\d)/g, '$1-')]);
      return { type: 'credit_card', value: v, sentence: `信用卡號${form}被盜刷了` };
    },
    () => {
      const v = `user${digits(4)}@example.com.tw`;
      return { type: 'email', value: v, sentence: `寄到我的信箱 ${v} 就好` };
    },
    () => {
      const v = digits(12 + int(3));
      return { type: 'bank_account', value: v, sentence: `退費請匯到我的帳號${v}` };
    },
    () => {
      const v = `${pick(['ABC', 'RAA', 'BKT', 'EAL'])}-${digits(4)}`;
      return { type: 'plate', value: v, sentence: `我的車牌是${v}，被拖吊了` };
    },
    () => {
      const v = `${pick(['忠孝東路四段', '和平東路二段', '民生東路五段', '基隆路一段'])}${1 + int(300)}巷${1 + int(20)}弄${1 + int(99)}號${1 + int(12)}樓`;
      return { type: 'address', value: v, sentence: `我住在${v}，門口有坑洞` };
    },
  ];
  return Array.from({ length: count }, (_, i) => (makers[i % makers.length] as () => PiiSample)());
}
