import { describe, expect, it } from 'vitest';
import { Draft } from './draft.js';
import { inverseNormalize } from './itn.js';
import { parseNumeral } from './numerals.js';

const itn = (s: string, protectedSpans: { start: number; end: number }[] = []): string => {
  const d = new Draft(s);
  d.apply(inverseNormalize(s, protectedSpans));
  return d.text;
};

describe('inverse text normalization', () => {
  it('reads Chinese numerals, including the spoken abbreviations', () => {
    expect(parseNumeral('一百一十三')).toBe(113);
    expect(parseNumeral('三千五')).toBe(3500);
    expect(parseNumeral('一萬五')).toBe(15000);
    expect(parseNumeral('三百零五')).toBe(305);
    expect(parseNumeral('兩萬')).toBe(20000);
    expect(parseNumeral('一二')).toBeNull();
  });

  it('writes phone and case numbers as digits, grouped the Taiwanese way', () => {
    expect(itn('我的手機是零九一二三四五六七八')).toBe('我的手機是0912-345-678');
    expect(itn('市話零二 二七二零 八八八九')).toBe('市話02-2720-8889');
    expect(itn('打一九九九轉七六五零')).toBe('打1999轉7650');
    expect(itn('手機0912345678')).toBe('手機0912-345-678');
    expect(itn('案號A一二三四五六')).toBe('案號A123456');
  });

  it('writes ROC and Western dates and times', () => {
    expect(itn('民國一一三年五月三號')).toBe('民國113年5月3號');
    expect(itn('民國一百一十三年十二月三十一日')).toBe('民國113年12月31日');
    expect(itn('二零二四年一月')).toBe('2024年1月');
    expect(itn('下午三點半')).toBe('下午3:30');
    expect(itn('九點十五分到')).toBe('9:15到');
    expect(itn('晚上八點')).toBe('晚上8點');
  });

  it('writes money, ages, percentages and address numbers; road sections stay Chinese', () => {
    expect(itn('罰款三千五百元')).toBe('罰款3,500元');
    expect(itn('補助兩萬元')).toBe('補助2萬元');
    expect(itn('一萬五千塊')).toBe('15,000塊');
    expect(itn('六十五歲以上')).toBe('65歲以上');
    expect(itn('百分之三十')).toBe('30%');
    expect(itn('八德路二段三十五巷二弄七號三樓')).toBe('八德路二段35巷2弄7號3樓');
    expect(itn('八德路2段')).toBe('八德路二段');
    expect(itn('七號之一')).toBe('7號之1');
  });

  it('leaves idioms, vague quantities and protected names alone', () => {
    for (const s of [
      '一石二鳥',
      '三心二意',
      '一五一十',
      '快一點',
      '三個月',
      '一下',
      '萬一他不在',
      '五常里',
    ]) {
      expect(itn(s)).toBe(s);
    }
    expect(itn('三張犁三號', [{ start: 0, end: 3 }])).toBe('三張犁3號');
    for (const s of ['110-112年臺北市', '63-64歲或55-62歲', '九二一地震']) expect(itn(s)).toBe(s);
  });
});
