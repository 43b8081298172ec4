import { describe, expect, it } from 'vitest';
import { phoneticKey, toSyllables } from './pinyin.js';

describe('pinyin', () => {
  it('gives one toneless syllable per character', () => {
    expect(toSyllables('信義區')).toEqual(['xin', 'yi', 'qu']);
  });
  it('treats homophone recognition errors and Taiwan-accent merges as the same sound', () => {
    expect(phoneticKey('新義區')).toEqual(phoneticKey('信義區'));
    expect(phoneticKey('中山')).toEqual(phoneticKey('宗三'));
    expect(phoneticKey('是')).toEqual(phoneticKey('四'));
    expect(phoneticKey('內湖')).toEqual(phoneticKey('雷湖'));
  });
  it('keeps different sounds apart', () => {
    expect(phoneticKey('信義')).not.toEqual(phoneticKey('大安'));
  });
});
