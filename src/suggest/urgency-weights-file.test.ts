import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { trainUrgencyWeights, urgencyModelFrom, type TrainingTurn } from './urgency-model.js';
import { storedUrgencyWeights, urgencyWeightsKey } from './urgency-weights-file.js';

const turns: TrainingTurn[] = [
  { text: '我不想活了', urgent: true, category: 'suicide' },
  { text: '隔壁失火了有煙', urgent: true, category: 'fire_gas' },
  { text: '垃圾車幾點來', urgent: false, category: 'none' },
  { text: '戶籍謄本要帶什麼', urgent: false, category: 'none' },
];
const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'urgency-weights-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the urgency classifier kept between starts', () => {
  it('trains once per key: a later start loads the same classifier without training', () => {
    const dir = freshDir();
    let trained = 0;
    const train = () => {
      trained++;
      return trainUrgencyWeights(turns, { epochs: 5 });
    };
    const first = urgencyModelFrom(storedUrgencyWeights(dir, 'k1', train));
    const again = urgencyModelFrom(storedUrgencyWeights(dir, 'k1', train));
    expect(trained).toBe(1);
    for (const text of ['我真的不想活了', '垃圾車今天會來嗎'])
      expect(again.predict(text)).toEqual(first.predict(text));
  });

  it('trains again when what it learns from changes, and keeps only the newest weights', () => {
    const dir = freshDir();
    let trained = 0;
    const train = () => {
      trained++;
      return trainUrgencyWeights(turns, { epochs: 5 });
    };
    const before = urgencyWeightsKey(['a.jsonl', '{"text":"x"}']);
    const after = urgencyWeightsKey(['a.jsonl', '{"text":"y"}']);
    expect(after).not.toBe(before);
    storedUrgencyWeights(dir, before, train);
    storedUrgencyWeights(dir, after, train);
    expect(trained).toBe(2);
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('trains again over a damaged file instead of failing', () => {
    const dir = freshDir();
    const train = () => trainUrgencyWeights(turns, { epochs: 5 });
    const expected = urgencyModelFrom(storedUrgencyWeights(dir, 'k', train)).predict('我不想活了');
    const [file] = readdirSync(dir);
    const path = join(dir, file as string);
    writeFileSync(path, readFileSync(path).subarray(0, 100));
    expect(urgencyModelFrom(storedUrgencyWeights(dir, 'k', train)).predict('我不想活了')).toEqual(expected);
    writeFileSync(path, 'not weights');
    expect(urgencyModelFrom(storedUrgencyWeights(dir, 'k', train)).predict('我不想活了')).toEqual(expected);
  });
});
