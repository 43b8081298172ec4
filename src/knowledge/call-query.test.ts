import { describe, expect, it } from 'vitest';
import { buildCallQuery, isFollowUp, isSituation } from './call-query.js';

const caller = (text: string) => ({ text, speaker: 'caller' as const });
const agent = (text: string) => ({ text, speaker: 'agent' as const });

describe('call query: each new question on its own, earlier turns only where the newest leans on them', () => {
  it('answers a new question alone, without the previous topic', () => {
    // 另外 (besides) starts a new topic: nothing of the garbage question comes along.
    const besides = buildCallQuery([
      caller('我想問一下垃圾車晚上幾點會來？'),
      agent('您住哪一區呢'),
      caller('另外我媽今年六十五歲了，老人卡要去哪裡辦？'),
    ]);
    expect(besides.map((p) => p.text)).toEqual(['另外我媽今年六十五歲了，老人卡要去哪裡辦？']);
    const fresh = buildCallQuery([
      caller('我想問一下垃圾車晚上幾點會來？'),
      agent('您住哪一區呢'),
      caller('我媽今年六十五歲了，老人卡要去哪裡辦？'),
    ]);
    expect(fresh).toEqual([{ text: '我媽今年六十五歲了，老人卡要去哪裡辦？', weight: 1 }]);
  });

  it('lets a follow-up that refers back draw on the turns before it, decayed', () => {
    const parts = buildCallQuery([
      caller('我媽今年六十五歲，老人卡要去哪裡辦？'),
      agent('可以到區公所辦理'),
      caller('那要帶什麼證件？'),
    ]);
    expect(parts.map((p) => p.text)).toEqual([
      '我媽今年六十五歲，老人卡要去哪裡辦？',
      '可以到區公所辦理',
      '那要帶什麼證件？',
    ]);
    expect(parts.map((p) => p.weight)).toEqual([0.36, 0.3, 1]);
  });

  it('keeps the caller situation told just before a question', () => {
    const parts = buildCallQuery([
      caller('我住在信義區。'),
      agent('好的請說'),
      caller('請問垃圾車晚上幾點會經過我們這邊？'),
    ]);
    expect(parts.map((p) => p.text)).toEqual(['我住在信義區。', '請問垃圾車晚上幾點會經過我們這邊？']);
  });

  it('tells follow-ups and situations apart from questions', () => {
    expect(isFollowUp('那要帶什麼證件？')).toBe(true);
    expect(isFollowUp('要多少錢？')).toBe(true);
    expect(isFollowUp('這樣可以嗎')).toBe(true);
    expect(isFollowUp('那個，我家樓上每天半夜都在敲敲打打，要找誰處理？')).toBe(false);
    expect(isFollowUp('我家的舊沙發要丟要怎麼叫人來收')).toBe(false);
    expect(isSituation('我住在信義區。')).toBe(true);
    expect(isSituation('垃圾車幾點來')).toBe(false);
  });
});
