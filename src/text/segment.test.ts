import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
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

describe('converted dictionary kept between starts', () => {
  /** The segmenter module as a new process loads it (its in-memory dictionary not yet made). */
  async function freshSegmenter(cacheDir: string) {
    vi.resetModules();
    const { createSegmenter: create } = await import('./segment.js');
    return create(['悠遊卡'], cacheDir);
  }

  it('is written once under the versions of the dictionary and converter, and read back by the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jieba-cache-'));
    const first = await freshSegmenter(dir);
    first.cut('垃圾車'); // loads the dictionary now rather than in the background
    const [file] = readdirSync(dir);
    expect(file).toMatch(/^jieba-zh-tw-[\w-]{20}\.dict$/);
    const second = await freshSegmenter(dir);
    for (const text of ['垃圾車時間', '悠遊卡遺失', '垃圾车时间'])
      expect(second.cut(text)).toEqual(first.cut(text));
    // What the next start reads is the file: a word written into it segments whole.
    appendFileSync(join(dir, file as string), '\n垃圾車時間 100000 n\n');
    expect((await freshSegmenter(dir)).cut('垃圾車時間')).toEqual(['垃圾車時間']);
  });
});
