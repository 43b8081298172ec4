import { execFileSync, spawnSync } from 'node:child_process';
import * as OpenCC from 'opencc-js';
import { mulberry32 } from '../seeded-random.js';

/**
 * The script-conversion evaluation set: what a mainland-trained recognizer writes (Simplified), long and
 * short, to compare with OpenCC's s2twp, and the same short lines in Traditional, which must come out
 * unchanged. Deterministic for a seed (mulberry32).
 *
 * - sentences: FAQ questions, SIGHAN targets and the spoken dev queries, converted to Simplified with
 *   opencc-js (tw → cn);
 * - short lines: clauses of 2–8 characters cut at punctuation from FAQ questions, answers and the spoken
 *   queries, converted the same way — a recognizer's partials and one-word answers look like this;
 * - colloquial lines: the hand-written short Simplified lines below (COLLOQUIAL_SIMPLIFIED).
 */
export interface ScriptCorpus {
  /** Simplified input, one utterance per line, labelled by where it comes from. */
  simplified: { set: 'sentence' | 'short' | 'colloquial'; text: string }[];
  /** Short Traditional lines (the same clauses before conversion, plus hand-written ones). */
  traditionalShort: string[];
}

export interface ScriptCorpusSources {
  faqQuestions: readonly string[];
  faqAnswers: readonly string[];
  sighanTargets: readonly string[];
  spokenQueries: readonly string[];
}

/**
 * Short things callers and agents say, written by hand in Simplified characters (not converted from
 * anything): questions about where and when, one-word answers, complaints. Many are made only of
 * characters both scripts share (哪里, 后台, 几, 干嘛), the lines the script guess used to get wrong.
 */
export const COLLOQUIAL_SIMPLIFIED: readonly string[] = [
  '哪里',
  '后台',
  '几',
  '干嘛',
  '几点',
  '几号',
  '几楼',
  '几天',
  '几岁',
  '几个人',
  '几点开门',
  '几点收垃圾',
  '几月几号',
  '几分钟',
  '几块钱',
  '后天',
  '后天下午',
  '后来呢',
  '然后呢',
  '然后',
  '以后',
  '之后',
  '最后',
  '后面',
  '我家后面',
  '后门',
  '里面',
  '在哪里',
  '你在哪里',
  '那里',
  '这里',
  '去哪里办',
  '要去哪里申请',
  '干什么',
  '你干嘛',
  '他在干嘛',
  '后台查一下',
  '后台系统',
  '帮我查一下',
  '怎么办',
  '怎么了',
  '怎么样',
  '为什么',
  '什么时候',
  '多少钱',
  '谢谢',
  '谢谢你',
  '好的谢谢',
  '不客气',
  '没关系',
  '没问题',
  '对不起',
  '等一下',
  '请稍等',
  '喂你好',
  '你好',
  '再见',
  '听不清楚',
  '听得到吗',
  '讲慢一点',
  '再说一遍',
  '哪个单位',
  '哪一个',
  '打错了',
  '我要投诉',
  '我要检举',
  '路灯坏了',
  '水管破了',
  '停水了',
  '停电了',
  '垃圾车几点来',
  '发票',
  '头发',
  '饼干',
  '晒干',
  '干净',
  '出租车',
  '台风',
  '台湾',
  '一周',
  '准时',
  '标准',
  '旅游',
  '余额',
  '托儿所',
  '征收',
  '范围',
  '抽烟',
  '发烧',
  '几个小时',
  '有几个',
  '还有几个名额',
  '后天几点',
  '几号公车',
  '几号出口',
  '往后',
  '前后',
  '面包',
  '吃面',
  '松山',
  '云端',
  '采购',
  '制作',
  '系统',
  '关系',
  '联系',
  '才几天',
  '里长',
  '我找里长',
  '干吗',
  '干啥',
  '搞什么',
  '咋办',
  '咋回事',
  '啥时候',
  '没事了',
  '对啊',
  '是的',
  '好',
  '行',
  '可以',
  '不行',
  '不用了',
  '算了',
  '知道了',
  '明白了',
  '收到',
];

/** Hand-written short Traditional lines with characters both scripts share (台, 里, 周, 了): keep as said. */
export const COLLOQUIAL_TRADITIONAL: readonly string[] = [
  '台北',
  '我在台北',
  '台北市政府',
  '里長',
  '我找里長',
  '西新里',
  '好的',
  '了解',
  '我了解',
  '周末',
  '周一到周五',
  '雇主',
  '公布了',
  '核准了',
  '水表',
  '被占用',
  '污水',
  '皇后',
  '茶几',
  '若干',
  '可以',
  '好',
  '是的',
  '收到',
];

const CLAUSE = /[^\s\p{P}]+/gu;

/** Builds the corpus: `sentences` long lines, `short` short lines, plus every hand-written line. */
export function scriptCorpus(
  sources: ScriptCorpusSources,
  options: { seed: number; sentences: number; short: number },
): ScriptCorpus {
  const rand = mulberry32(options.seed);
  const sample = <T>(xs: readonly T[], n: number): T[] => {
    const copy = [...xs];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy.slice(0, n);
  };
  const toSimplified = OpenCC.Converter({ from: 'tw', to: 'cn' });
  const sentences = sample(
    [...new Set([...sources.faqQuestions, ...sources.sighanTargets, ...sources.spokenQueries])].map((s) =>
      s.replace(/\s+/g, ' ').trim(),
    ),
    options.sentences,
  );
  const clauses = new Set<string>();
  for (const text of [...sources.faqQuestions, ...sources.faqAnswers, ...sources.spokenQueries]) {
    for (const m of text.matchAll(CLAUSE)) {
      // Han clauses only: a bare number or code is not a line anyone converts.
      if (m[0].length >= 2 && m[0].length <= 8 && /\p{Script=Han}/u.test(m[0])) clauses.add(m[0]);
    }
  }
  const short = sample([...clauses], options.short);
  return {
    simplified: [
      ...sentences.map((s) => ({ set: 'sentence' as const, text: toSimplified(s) })),
      ...short.map((s) => ({ set: 'short' as const, text: toSimplified(s) })),
      ...COLLOQUIAL_SIMPLIFIED.map((text) => ({ set: 'colloquial' as const, text })),
    ],
    traditionalShort: [...short, ...COLLOQUIAL_TRADITIONAL],
  };
}

/** Whether Debian's `opencc` command (package `opencc`) is installed: the reference for s2twp. */
export function openccAvailable(): boolean {
  return spawnSync('opencc', ['--version']).status === 0;
}

export interface OpenccAgreement {
  lines: number;
  agree: number;
  /** agree / lines. */
  rate: number;
  /**
   * Lines where opencc-js's own s2twp (the dictionaries this stage ships) already differs from the
   * reference: dictionary versions, e.g. Debian's 通過 → 透過, 程序 → 程式, 托 → 託.
   */
  dictionaryVersion: number;
  /** Agreement rate on the other lines: what the stage's own choices decide. */
  rateWhereDictionariesAgree: number;
  bySet: Record<string, { lines: number; agree: number }>;
  /** Disagreements not explained by the dictionaries, for reading. */
  misses: { set: string; input: string; output: string; reference: string }[];
}

/** Runs `convert` and `opencc -c s2twp.json` over the Simplified lines and compares them line by line. */
export function agreementWithOpencc(
  lines: ScriptCorpus['simplified'],
  convert: (text: string) => string,
): OpenccAgreement {
  const reference = execFileSync('opencc', ['-c', 's2twp.json'], {
    input: `${lines.map((l) => l.text).join('\n')}\n`,
    maxBuffer: 1 << 26,
  })
    .toString('utf8')
    .split('\n');
  const s2twp = OpenCC.Converter({ from: 'cn', to: 'twp' });
  const result: OpenccAgreement = {
    lines: lines.length,
    agree: 0,
    rate: 0,
    dictionaryVersion: 0,
    rateWhereDictionariesAgree: 0,
    bySet: {},
    misses: [],
  };
  lines.forEach(({ set, text }, i) => {
    const ref = reference[i] as string;
    const output = convert(text);
    const tally = (result.bySet[set] ??= { lines: 0, agree: 0 });
    tally.lines++;
    if (output === ref) {
      result.agree++;
      tally.agree++;
    }
    if (s2twp(text) !== ref) result.dictionaryVersion++;
    else if (output !== ref) result.misses.push({ set, input: text, output, reference: ref });
  });
  const comparable = result.lines - result.dictionaryVersion;
  result.rate = result.agree / result.lines;
  result.rateWhereDictionariesAgree = (comparable - result.misses.length) / comparable;
  return result;
}
