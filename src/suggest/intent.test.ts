import { describe, expect, it } from 'vitest';
import { extractCaseNumber, questionType } from './intent.js';

describe('case-status trigger', () => {
  it('recognizes a case-status question and the case number in it, spoken or typed', () => {
    expect(questionType('我這個案件現在到哪一步？')).toBe('case_status');
    expect(questionType('我上禮拜報修路燈，想問處理進度')).toBe('case_status');
    expect(extractCaseNumber('我的案件編號是 A1130012345')).toBe('A1130012345');
    expect(extractCaseNumber('案號一一三零零一二三四五')).toBe('1130012345');
    expect(extractCaseNumber('編號是113-0012-345')).toBe('1130012345');
  });

  it('does not take phone numbers, amounts or dates for a case number', () => {
    expect(extractCaseNumber('我的電話是0912345678')).toBeNull();
    expect(extractCaseNumber('請打02-27208889')).toBeNull();
    expect(extractCaseNumber('補助3000元，112年2月1日開始')).toBeNull();
    expect(questionType('垃圾車幾點來')).toBe('hours');
  });
});
