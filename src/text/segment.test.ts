import { describe, expect, it } from 'vitest';
import { createSegmenter } from './segment.js';

describe('Traditional-Chinese segmenter', () => {
  const segmenter = createSegmenter(['悠遊卡', '信義區']);

  it('keeps Traditional words whole where the bundled dictionary splits them into characters', () => {
    expect(segmenter.cut('垃圾車時間')).toEqual(['垃圾車', '時間']);
    expect(segmenter.cut('違規停車檢舉')).toEqual(['違規', '停車', '檢舉']);
  });

  it('uses domain terms given at creation and added later', () => {
    expect(segmenter.cut('悠遊卡遺失')).toContain('悠遊卡');
    expect(segmenter.cut('信義區垃圾車')).toContain('信義區');
    expect(segmenter.cut('敬老愛心卡')).not.toContain('敬老愛心卡');
    segmenter.addTerms(['敬老愛心卡']);
    expect(segmenter.cut('敬老愛心卡怎麼申請')).toContain('敬老愛心卡');
  });

  it('drops punctuation and lower-cases Latin words', () => {
    expect(segmenter.cut('YouBike，怎麼還車？')).toEqual(['youbike', '怎麼', '還車']);
  });

  it('still segments Simplified input', () => {
    expect(segmenter.cut('垃圾车时间')).toEqual(['垃圾车', '时间']);
  });
});
