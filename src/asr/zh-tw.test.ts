import { describe, expect, it } from 'vitest';
import { createTaiwanConverter, matchingForm, TAIWAN_SPELLINGS, toTaiwanCharacters } from './zh-tw.js';

describe('recognizer text → zh-TW', () => {
  const plain = createTaiwanConverter();

  it('converts characters, not words: what the caller said stays what they said', () => {
    expect(plain('我要申请软件')).toBe('我要申請軟件');
    expect(plain('自行车停在出租车后面')).toBe('自行車停在出租車後面');
    expect(plain('我想问垃圾车几点来')).toBe('我想問垃圾車幾點來');
  });

  it('writes the reviewed Taiwan spelling of the same word', () => {
    expect(plain('请带身份证和账号资料')).toBe('請帶身分證和帳號資料');
    expect(plain('这个计划我了解')).toBe('這個計畫我了解');
    // Every pair is one word in two spellings of one reading: same length, differing in spelling only.
    for (const [from, to] of TAIWAN_SPELLINGS) {
      expect([...from]).toHaveLength([...to].length);
      expect(from).not.toBe(to);
    }
  });

  it('never rewrites a hot-word or lexicon term, whatever spelling the model used for it', () => {
    const withTerms = createTaiwanConverter(['軟件園區', '台北市', '臺中', '中正里', '身份證明科']);
    // 軟件 inside the term stays; 身份 → 身分 happens outside terms only.
    expect(withTerms('软件园区的身份证')).toBe('軟件園區的身分證');
    expect(withTerms('身份证明科')).toBe('身份證明科');
    // 台北市 converts to 臺北市 with OpenCC; the lexicon writes it 台北市.
    expect(toTaiwanCharacters('台北市')).toBe('臺北市');
    expect(withTerms('台北市政府')).toBe('台北市政府');
    // 台湾台中 converts to 臺灣台中 (mixed); the term 臺中 comes out as the lexicon writes it.
    expect(withTerms('台湾台中')).toBe('臺灣臺中');
    // A model that writes 臺 where the term has 台 (or the reverse) still hits the term.
    expect(withTerms('臺北市')).toBe('台北市');
    // 中正里 is a village: OpenCC alone might take 里 for 裡.
    expect(withTerms('中正里里长')).toBe('中正里里長');
  });

  it('treats 台/臺 and 裏/裡 as one in matching, offset for offset', () => {
    expect(matchingForm('臺北市裏面')).toBe('台北市裡面');
    expect(matchingForm('臺北市裏面')).toHaveLength('臺北市裏面'.length);
  });
});
