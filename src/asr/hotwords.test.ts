import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { hotwordsFileFor, prepareHotwords, writeHotwordsFile } from './hotwords.js';
import type { OnlineModelFolder } from './model-folder.js';

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

describe('hot-words per model type', () => {
  const lines: { msg: string; dropped?: number }[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const base = { dir, name: 'm', tokens };

  it('writes a file for a transducer and warns about phrases it dropped', () => {
    lines.length = 0;
    const folder: OnlineModelFolder = {
      ...base,
      kind: 'transducer',
      encoder: 'e',
      decoder: 'd',
      joiner: 'j',
    };
    const file = hotwordsFileFor(folder, ['大安區', '士林區'], logger);
    expect(file && readFileSync(file.path, 'utf8')).toBe('大安区\n');
    file?.remove();
    expect(lines).toMatchObject([
      { msg: 'asr: hot-words the model vocabulary cannot spell were dropped', dropped: 1 },
    ]);
  });

  it('writes nothing for models that cannot use hot-words, and says so', () => {
    lines.length = 0;
    const folder: OnlineModelFolder = { ...base, kind: 'paraformer', encoder: 'e', decoder: 'd' };
    expect(hotwordsFileFor(folder, ['大安區'], logger)).toBeUndefined();
    expect(lines).toMatchObject([{ msg: 'asr: this model type cannot use hot-words; ignoring them' }]);
    expect(hotwordsFileFor(folder, [], logger)).toBeUndefined();
    expect(lines).toHaveLength(1);
  });
});
