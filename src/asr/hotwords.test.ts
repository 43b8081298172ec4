import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { hotwordsFor, prepareHotwords } from './hotwords.js';
import type { OnlineModelFolder } from './model-folder.js';
import { hotwordUnitProblem, readTokenTable } from './model-tokens.js';

const dir = mkdtempSync(join(tmpdir(), 'asr-hotwords-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tokensFile(name: string, symbols: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, symbols.map((s, i) => `${s} ${i}\n`).join(''));
  return path;
}

/** A Simplified-Chinese vocabulary, like the zh-hans release models. */
const simplified = tokensFile('simplified.txt', [
  '<blk>',
  '大',
  '安',
  '区',
  '中',
  '正',
  '里',
  '信',
  '义',
  '路',
  '台',
  '北',
  '市',
]);

describe('hot-words for a transducer', () => {
  it('writes zh-TW phrases in the spelling the model knows and drops what it cannot spell', () => {
    const { phrases, dropped } = prepareHotwords(
      ['大安區', '中正里', '信義路', '信義路', '士林區', 'MRT', ' '],
      readTokenTable(simplified),
    );
    expect(phrases).toEqual(['大安区', '中正里', '信义路']);
    expect(dropped).toEqual(['士林區', 'MRT']);
  });

  it('writes the Simplified spelling first for a Simplified model, even where both are in its vocabulary', () => {
    // A mixed vocabulary (zh-hans model that also saw some Traditional text) holding 區 and 区.
    const mixed = tokensFile('mixed.txt', ['<blk>', '大', '安', '区', '區', '软', '们', '这', '个']);
    expect(readTokenTable(mixed).script).toBe('simplified');
    expect(prepareHotwords(['大安區'], readTokenTable(mixed)).phrases).toEqual(['大安区']);
    // A Traditional vocabulary keeps the zh-TW spelling.
    const traditional = tokensFile('traditional.txt', [
      '<blk>',
      '大',
      '安',
      '区',
      '區',
      '軟',
      '們',
      '這',
      '個',
    ]);
    expect(readTokenTable(traditional).script).toBe('traditional');
    expect(prepareHotwords(['大安區'], readTokenTable(traditional)).phrases).toEqual(['大安區']);
  });

  it('treats 台 and 臺 as one character: 臺北市 is spelled 台北市 for a model that only knows 台', () => {
    expect(prepareHotwords(['臺北市', '台北市'], readTokenTable(simplified))).toEqual({
      phrases: ['台北市'],
      dropped: [],
    });
    const onlyTai2 = tokensFile('tai2.txt', ['<blk>', '臺', '北', '市', '區', '們']);
    expect(prepareHotwords(['台北市'], readTokenTable(onlyTai2)).phrases).toEqual(['臺北市']);
  });
});

describe('tokens check for cjkchar hot-words', () => {
  it('says when the vocabulary is BPE pieces that bare characters cannot spell', () => {
    const bpe = tokensFile('bpe.txt', ['<blk>', '<sos/eos>', '▁大', '▁安', '▁区', '▁THE', '▁A', '区']);
    const table = readTokenTable(bpe);
    expect(table.bpeWordStarts).toBe(5);
    expect(hotwordUnitProblem(table, false)).toMatch(
      /mostly BPE pieces \(5 ▁-prefixed, 1 bare Chinese characters\)/,
    );
    expect(hotwordUnitProblem(table, true)).toBeNull();
    const none = tokensFile('bpe-only.txt', ['<blk>', '▁大', '▁安']);
    expect(hotwordUnitProblem(readTokenTable(none), false)).toMatch(
      /no bare Chinese characters.*cannot be spelled/,
    );
    expect(hotwordUnitProblem(readTokenTable(simplified), false)).toBeNull();
  });
});

describe('hot-words per model type', () => {
  const lines: { msg: string; dropped?: number }[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const base = { dir, name: 'm', tokens: simplified };

  it('gives a transducer the phrases it can spell and warns about the ones it dropped', () => {
    lines.length = 0;
    const folder: OnlineModelFolder = {
      ...base,
      kind: 'transducer',
      encoder: 'e',
      decoder: 'd',
      joiner: 'j',
    };
    expect(hotwordsFor(folder, ['大安區', '士林區'], logger)).toEqual(['大安区']);
    expect(lines).toMatchObject([
      { msg: 'asr: hot-words the model vocabulary cannot spell were dropped', dropped: 1 },
    ]);
  });

  it('warns at load when a BPE vocabulary without bpe.vocab cannot spell most hot-words', () => {
    lines.length = 0;
    const tokens = tokensFile('bpe-load.txt', ['<blk>', '▁大', '▁安', '▁区', '大']);
    const folder: OnlineModelFolder = {
      ...base,
      tokens,
      kind: 'transducer',
      encoder: 'e',
      decoder: 'd',
      joiner: 'j',
    };
    expect(hotwordsFor(folder, ['大安區'], logger)).toBeUndefined();
    expect(lines.map((l) => l.msg)).toEqual([
      expect.stringMatching(/^asr: tokens\.txt is mostly BPE pieces/),
      'asr: hot-words the model vocabulary cannot spell were dropped',
    ]);
  });

  it('gives nothing to models that cannot use hot-words, and says so', () => {
    lines.length = 0;
    const folder: OnlineModelFolder = { ...base, kind: 'paraformer', encoder: 'e', decoder: 'd' };
    expect(hotwordsFor(folder, ['大安區'], logger)).toBeUndefined();
    expect(lines).toMatchObject([{ msg: 'asr: this model type cannot use hot-words; ignoring them' }]);
    expect(hotwordsFor(folder, [], logger)).toBeUndefined();
    expect(lines).toHaveLength(1);
  });
});
