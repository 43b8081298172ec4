import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as OpenCC from 'opencc-js';
import { describe, expect, it } from 'vitest';
import { audioManifest, requireShared, sharedPaths } from '../../test/shared.js';
import { toTaiwanTraditional } from './convert.js';
import { Draft } from './draft.js';

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

  const hasOpencc = spawnSync('opencc', ['--version']).status === 0;
  if (!hasOpencc) console.warn('skip: the `opencc` command (Debian package "opencc") is not installed');
  it.skipIf(!hasOpencc)('agrees with the reference OpenCC s2twp on ≥99% of 3,500 sentences', () => {
    const toCn = OpenCC.Converter({ from: 'tw', to: 'cn' });
    const sentences = [...sighanTargets.slice(0, 2000), ...faqQuestions.slice(0, 1500)].map((s) =>
      toCn(s.replace(/\s+/g, ' ')),
    );
    const reference = execFileSync('opencc', ['-c', 's2twp.json'], {
      input: `${sentences.join('\n')}\n`,
      maxBuffer: 1 << 26,
    })
      .toString('utf8')
      .split('\n');
    const agree = sentences.filter((s, i) => convert(s) === reference[i]).length;
    console.info(`s2twp agreement with opencc CLI: ${agree}/${sentences.length}`);
    expect(agree / sentences.length).toBeGreaterThanOrEqual(0.99);
  });
});
