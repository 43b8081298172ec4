// The text stage's seeded generator (Mulberry32): the same seed gives the same set on every machine.
import { mulberry32, phoneticKey } from '../text/index.js';
import type { EvalQuery } from './evaluate.js';
import type { FaqEntry } from './types.js';

/**
 * A harder development set built deterministically from a KB, in the spirit of real calls:
 * - `spoken`: an entry's question rewritten the way callers talk (fillers, colloquial wording,
 *   only the first clause, no punctuation);
 * - `homophone`: the spoken rewrite with about one Han character in five replaced by another
 *   character that sounds the same after Taiwan-accent folding (a recognition error);
 * - `out_of_kb`: questions the KB cannot answer: hand-written off-topic hotline calls, plus general
 *   knowledge questions (e.g. DRCD's) when given. Their `gold_ids` are empty: they should be cold.
 * The same KB and seed always give the same set.
 */
export interface DevSetOptions {
  /** How many entries to rewrite (spoken and homophone each). */
  size?: number;
  seed?: number;
  /** Extra out-of-KB questions (e.g. a sample of DRCD queries). */
  outOfKb?: readonly string[];
}

const OPENERS = [
  '喂你好，我想問一下',
  '不好意思請問',
  '那個，',
  '欸我想問',
  '你好，',
  '請問一下',
  '',
  '我想要問',
];
const CLOSERS = ['', '嗎', '啊', '這樣子', '謝謝', '呢'];

// Written → spoken wording. Several of these are not in the synonym table on purpose.
const COLLOQUIAL: ReadonlyArray<readonly [RegExp, string]> = [
  [/臺北市政府/g, '市政府'],
  [/臺北市/g, '北市'],
  [/本市/g, '台北'],
  [/如何/g, '要怎麼'],
  [/是否/g, '是不是'],
  [/可否/g, '可不可以'],
  [/為何/g, '是什麼'],
  [/何處/g, '哪裡'],
  [/何謂/g, '什麼是'],
  [/辦理/g, '辦'],
  [/民眾/g, '我'],
  [/之/g, '的'],
  [/應/g, '要'],
  [/須/g, '要'],
  [/請問/g, ''],
];

export const handWrittenOutOfKb: readonly string[] = [
  '明天台北會不會下雨',
  '我的手機螢幕破了要去哪裡修',
  '今天晚上大樂透開幾號',
  '推薦台中好吃的火鍋店',
  '男朋友一直不回我訊息怎麼辦',
  '美國總統是誰',
  '紅燒肉要怎麼煮比較好吃',
  '周杰倫演唱會的門票什麼時候開賣',
  '高雄捷運末班車是幾點',
  '我想買基金要怎麼挑',
  'iPhone的照片要怎麼備份到電腦',
  '日本觀光簽證要辦多久',
  '我家的貓一直吐是生什麼病',
  '台積電股票現在可以買嗎',
  '花蓮有什麼好玩的景點',
  '國外網站買東西被盜刷信用卡',
  '我的Netflix帳號被別人盜用了',
  '減肥要吃什麼比較快',
  '幫我查一下去墾丁的火車時刻',
  '請問你們那邊有賣便當嗎',
  '我要訂台南的飯店',
  '怎麼學好英文',
  '電腦開不了機一直出現藍畫面',
  '樂透彩券中獎要去哪裡領',
  '新竹科學園區有哪些公司在徵人',
  '媽媽生日送什麼禮物好',
  '我的狗想學握手要怎麼教',
  '台東熱氣球嘉年華是什麼時候',
  '網路遊戲的寶物被騙了',
  '冰箱一直發出怪聲音是壞了嗎',
];

function spokenRewrite(question: string, random: () => number): string {
  let text = question.replace(/【[^】]*】|\([^)]*\)|（[^）]*）/g, '');
  for (const [pattern, spoken] of COLLOQUIAL) text = text.replace(pattern, spoken);
  // Callers state one thing at a time: keep the first clause long enough to mean something.
  const clauses = text.split(/[？?，,。；;！!、：:]/).map((c) => c.trim());
  let said = '';
  for (const clause of clauses) {
    said += clause;
    if ([...said].length >= 8) break;
  }
  said = said.replace(/[「」『』“”"'\s]/g, '');
  const opener = OPENERS[Math.floor(random() * OPENERS.length)] ?? '';
  const closer = CLOSERS[Math.floor(random() * CLOSERS.length)] ?? '';
  return `${opener}${said}${closer}`;
}

/** Folded sound → characters having it, from the KB's own text (so replacements are real characters). */
function homophoneTable(entries: readonly FaqEntry[]): Map<string, string[]> {
  const chars = new Set<string>();
  for (const e of entries) for (const c of e.question.match(/\p{Script=Han}/gu) ?? []) chars.add(c);
  const table = new Map<string, string[]>();
  for (const c of [...chars].sort()) {
    const key = phoneticKey(c)[0];
    if (!key) continue;
    table.set(key, [...(table.get(key) ?? []), c]);
  }
  return table;
}

function homophoneNoise(text: string, table: Map<string, string[]>, random: () => number): string {
  const chars = [...text];
  const positions = chars.map((c, i) => (/\p{Script=Han}/u.test(c) ? i : -1)).filter((i) => i >= 0);
  const count = Math.max(1, Math.round(positions.length / 5));
  let changed = 0;
  for (let tries = 0; changed < count && tries < positions.length * 3; tries++) {
    const i = positions[Math.floor(random() * positions.length)] as number;
    const c = chars[i] as string;
    const others = (table.get(phoneticKey(c)[0] ?? '') ?? []).filter((o) => o !== c);
    if (!others.length) continue;
    chars[i] = others[Math.floor(random() * others.length)] as string;
    changed++;
  }
  return chars.join('');
}

export function buildHardDevSet(entries: readonly FaqEntry[], options: DevSetOptions = {}): EvalQuery[] {
  const random = mulberry32(options.seed ?? 1999);
  const size = Math.min(options.size ?? 300, entries.length);
  const usable = entries.filter((e) => e.answer.trim() && [...e.question].length >= 6);
  // Evenly spaced picks, offset by the seed: covers every agency without favouring the first ones.
  const step = usable.length / size;
  const offset = Math.floor(random() * step);
  const picked = Array.from({ length: size }, (_, i) => usable[Math.floor(offset + i * step)]).filter(
    (e): e is FaqEntry => e !== undefined,
  );
  const table = homophoneTable(entries);
  const out: EvalQuery[] = [];
  for (const entry of picked) {
    const spoken = spokenRewrite(entry.question, random);
    out.push({ query: spoken, gold_ids: [entry.id], kind: 'spoken' });
    out.push({ query: homophoneNoise(spoken, table, random), gold_ids: [entry.id], kind: 'homophone' });
  }
  for (const query of [...handWrittenOutOfKb, ...(options.outOfKb ?? [])]) {
    out.push({ query, gold_ids: [], kind: 'out_of_kb' });
  }
  return out;
}
