import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as OpenCC from 'opencc-js';
import { describe, expect, it } from 'vitest';
import { audioManifest, requireShared, sharedPaths } from '../../test/shared.js';
import { toTaiwanTraditional } from './convert.js';
import { Draft } from './draft.js';
import { createTextNormalizer } from './normalizer.js';
import { textConfig } from './testing/fixtures.js';
import {
  agreementWithOpencc,
  COLLOQUIAL_SIMPLIFIED,
  openccAvailable,
  scriptCorpus,
} from './testing/script-corpus.js';

const convert = (s: string): string => {
  const d = new Draft(s);
  d.apply(toTaiwanTraditional(s));
  return d.text;
};
const jsonl = <T>(path: string): T[] =>
  readFileSync(requireShared(path), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T);
const sighanTargets = jsonl<{ target: string }>(`${sharedPaths.devDir}/sighan_train.jsonl`).map(
  (r) => r.target,
);
const faqQuestions = jsonl<{ question: string }>(sharedPaths.faq).map((r) => r.question);

describe('Simplified → Taiwan Traditional', () => {
  it('converts characters and mainland wording to Taiwan usage', () => {
    expect(convert('我想问一下信义区的垃圾车几点来')).toBe('我想問一下信義區的垃圾車幾點來');
    expect(convert('软件和鼠标还有U盘')).toBe('軟體和滑鼠還有隨身碟');
    expect(convert('出租车 打印机 网络')).toBe('計程車 印表機 網路');
  });

  it('leaves Traditional text alone (s2twp itself would turn 西新里 into 西新裡 and 對象 into 物件)', () => {
    expect(convert('我住在西新里，台北市')).toBe('我住在西新里，台北市');
    expect(convert('申請對象為設籍本市之市民')).toBe('申請對象為設籍本市之市民');
    const corpus = [...sighanTargets, ...faqQuestions];
    const changed = corpus.filter((s) => convert(s) !== s);
    expect(changed.length / corpus.length).toBeLessThan(0.001);
  });

  it('converts what real recognizers wrote (the shared recordings’ model outputs and transcripts) completely', () => {
    const toCn = OpenCC.Converter({ from: 'tw', to: 'cn' });
    const toTw = OpenCC.Converter({ from: 'cn', to: 'tw' });
    const references = audioManifest()
      .map((r) => r.reference)
      .filter(Boolean);
    expect(references.length).toBeGreaterThan(15);
    for (const ref of references) {
      const out = convert(ref);
      expect(toCn(out)).toBe(ref);
      expect(toTw(out)).toBe(out); // nothing Simplified left
    }
  });

  it('converts only the Simplified characters of a mixed clause', () => {
    expect(convert('信义區公所')).toBe('信義區公所');
  });

  it('converts short all-Simplified lines made only of characters both scripts share', () => {
    expect(['哪里', '后台', '几', '干嘛', '里面', '几人以上算大量解雇?'].map(convert)).toEqual([
      '哪裡',
      '後臺',
      '幾',
      '幹嘛',
      '裡面',
      '幾人以上算大量解僱?',
    ]);
  });

  it('keeps short Traditional lines whose characters Simplified shares (台北, 里長, 茶几, 周末)', () => {
    for (const line of ['台北', '我在台北', '里長', '西新里', '皇后', '茶几', '若干', '周末', '了解', '雇主'])
      expect(convert(line)).toBe(line);
  });

  it('converts a lexicon term on its own, so a neighbouring phrase cannot swallow it', () => {
    const d = new Draft('如何查询台北市的资料');
    // 台北市 is a lexicon term spelled 臺北市; opencc-js alone writes 查詢檯北市 (查询台 → 查詢檯).
    d.apply(toTaiwanTraditional(d.text, () => [{ start: 4, end: 7, term: '臺北市' }]));
    expect(d.text).toBe('如何查詢臺北市的資料');
    const kept = new Draft('我住在西新里');
    kept.apply(toTaiwanTraditional(kept.text, () => [{ start: 3, end: 6, term: '西新里' }]));
    expect(kept.text).toBe('我住在西新里');
  });

  const corpus = scriptCorpus(
    {
      faqQuestions,
      faqAnswers: jsonl<{ answer: string }>(sharedPaths.faq).map((r) => r.answer),
      sighanTargets,
      spokenQueries: jsonl<{ query: string }>(`${sharedPaths.devDir}/taipei_spoken.dev.jsonl`).map(
        (r) => r.query,
      ),
    },
    { seed: 21, sentences: 3000, short: 2000 },
  );

  it('leaves ≥ 99.5% of short Traditional lines (clauses, one-word answers) unchanged', () => {
    const changed = corpus.traditionalShort.filter((s) => convert(s) !== s);
    expect(changed.length / corpus.traditionalShort.length).toBeLessThan(0.005);
  });

  const hasOpencc = openccAvailable();
  if (!hasOpencc) console.warn('skip: the `opencc` command (Debian package "opencc") is not installed');
  it.skipIf(!hasOpencc)(
    'agrees with the reference OpenCC s2twp on ≥ 99.5% of 5,127 Simplified lines, short ones included, where the dictionaries agree',
    async () => {
      const stage = await createTextNormalizer({
        config: textConfig(mkdtempSync(join(tmpdir(), 'text-s2t-')), {
          lexiconDir: requireShared(sharedPaths.lexiconDir),
        }),
      });
      const result = agreementWithOpencc(
        corpus.simplified,
        (s) => stage.normalize(s, { steps: ['s2t'] }).text,
      );
      console.info(
        `s2twp agreement with opencc CLI: ${result.agree}/${result.lines}; ${result.dictionaryVersion} lines differ by dictionary version; ` +
          `${(result.rateWhereDictionariesAgree * 100).toFixed(2)}% on the rest`,
      );
      expect(result.bySet.colloquial?.lines).toBe(COLLOQUIAL_SIMPLIFIED.length);
      expect(result.rateWhereDictionariesAgree).toBeGreaterThanOrEqual(0.995);
      // Every hand-written short line but those Taiwan writes both ways (喂, 一周) comes out as OpenCC's.
      expect(result.misses.filter((m) => m.set === 'colloquial').length).toBeLessThanOrEqual(2);
    },
  );
});
