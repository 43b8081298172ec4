import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareHotwords, writeHotwordsFile } from './hotwords.js';

const dir = mkdtempSync(join(tmpdir(), 'asr-hotwords-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A Simplified-Chinese vocabulary, like the zh-hans release models. */
const tokens = join(dir, 'tokens.txt');
writeFileSync(
  tokens,
  ['<blk> 0', '大 1', '安 2', '区 3', '中 4', '正 5', '里 6', '信 7', '义 8', '路 9'].join('\n'),
);

describe('hot-words for a transducer', () => {
  it('writes zh-TW phrases in the spelling the model knows and drops what it cannot spell', () => {
    const { phrases, dropped } = prepareHotwords(
      ['大安區', '中正里', '信義路', '信義路', '士林區', 'MRT', ' '],
      tokens,
    );
    expect(phrases).toEqual(['大安区', '中正里', '信义路']);
    expect(dropped).toEqual(['士林區', 'MRT']);
  });

  it('writes one phrase per line into a private file that is removed with its engine', () => {
    const file = writeHotwordsFile(['大安区', '信义路']);
    expect(readFileSync(file.path, 'utf8')).toBe('大安区\n信义路\n');
    file.remove();
    expect(existsSync(file.path)).toBe(false);
  });
});
