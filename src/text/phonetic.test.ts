import { describe, expect, it } from 'vitest';
import { requireShared, sharedPaths } from '../../test/shared.js';
import { loadTaipeiLexicon } from './lexicon.js';
import { PhoneticIndex } from './phonetic.js';
import { countEdits } from './testing/edit-counts.js';
import { homophoneNoise } from './testing/homophone-noise.js';
import { jsonlField } from './testing/fixtures.js';

const lexicon = loadTaipeiLexicon(requireShared(sharedPaths.lexiconDir));
const index = new PhoneticIndex(lexicon.terms);
const fix = (text: string): string => {
  const { replacements } = index.correct(text);
  let out = text;
  for (const r of [...replacements].reverse()) out = out.slice(0, r.start) + r.text + out.slice(r.end);
  return out;
};

describe('phonetic lexicon correction', () => {
  it('repairs misheard local names, including Taiwan-accent merges', () => {
    expect(fix('我住在新義區')).toBe('我住在信義區');
    expect(fix('我要找雷湖區公所')).toBe('我要找內湖區公所');
    expect(fix('松山去的垃圾車')).toBe('松山區的垃圾車');
    expect(fix('我住在雷湖')).toBe('我住在內湖');
    expect(fix('雷湖很遠')).toBe('雷湖很遠'); // two characters with no place context: not enough
    expect(fix('公務人員訓練觸在哪裡')).toBe('公務人員訓練處在哪裡');
    expect(fix('大道理')).toBe('大道理');
    expect(fix('消防車、救護車')).toBe('消防車、救護車');
  });

  it('needs strong evidence: no rewrite of ordinary words or of a category suffix inside a word', () => {
    expect(fix('重陽禮金致送作業')).toBe('重陽禮金致送作業');
    expect(fix('走到公館捷運站')).toBe('走到公館捷運站');
    expect(fix('新意去哪裡')).toBe('新意去哪裡'); // nothing agrees with 信義區
    expect(fix('我想問一下')).toBe('我想問一下');
  });

  it('treats 台/臺 as the same and reports each change with only the characters that differ', () => {
    expect(index.correct('台北市政府社會局').replacements).toEqual([]);
    expect(index.correct('我住在新義區').replacements).toEqual([
      { start: 3, end: 4, text: '信', kind: 'lexicon' },
    ]);
  });

  it('on the homophone-noised FAQ set: precision ≥ 0.95, recall ≥ 0.8; clean FAQ questions almost never touched', () => {
    const questions = jsonlField(requireShared(sharedPaths.faq), 'question');
    const pairs = homophoneNoise(questions, lexicon.terms, { seed: 1999 });
    expect(pairs.length).toBeGreaterThan(150);
    const { correct, edited, gold, misaligned } = countEdits(pairs, fix);
    expect(misaligned).toBe(0);
    expect(correct / edited).toBeGreaterThanOrEqual(0.95);
    expect(correct / gold).toBeGreaterThanOrEqual(0.8);
    const touched = questions.filter((q) => fix(q) !== q).length;
    expect(touched / questions.length).toBeLessThan(0.005);
  });
});
