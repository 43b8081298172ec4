import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dictionaryKey, PersistedDerivedCache } from './docs-cache.js';
import { FaqIndex } from './faq-index.js';
import { dictionary, entries, ranked, segmenter } from './testing/persisted-index.js';

describe('derived index fields kept between starts', () => {
  it('a restart builds from the kept fields and ranks exactly as a fresh build', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-cache-'));
    const fresh = FaqIndex.build(entries, segmenter);

    const first = new PersistedDerivedCache(dir, 'default', dictionary);
    await FaqIndex.buildAsync(entries, segmenter, { cache: first });
    first.save();

    // A new process: only the file is left. Nothing is computed again.
    const second = new PersistedDerivedCache(dir, 'default', dictionary);
    let computed = 0;
    const restarted = await FaqIndex.buildAsync(entries, segmenter, {
      cache: {
        get: second.get.bind(second),
        set: (entry, cut, derived) => {
          computed++;
          second.set(entry, cut, derived);
        },
      },
    });
    expect(computed).toBe(0);
    expect(ranked(restarted)).toEqual(ranked(fresh));
  });

  it('recomputes a changed entry, and starts over for another dictionary or an unreadable file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-cache-'));
    const cache = new PersistedDerivedCache(dir, 'default', dictionary);
    await FaqIndex.buildAsync(entries, segmenter, { cache });
    cache.save();

    const edited = entries.map((e, i) => (i === 0 ? { ...e, question: '大型廢棄家具如何預約清運？' } : e));
    const after = new PersistedDerivedCache(dir, 'default', dictionary);
    const computed: string[] = [];
    const index = await FaqIndex.buildAsync(edited, segmenter, {
      cache: {
        get: after.get.bind(after),
        set: (entry, cut, derived) => {
          computed.push(entry.id);
          after.set(entry, cut, derived);
        },
      },
    });
    expect(computed).toEqual([entries[0]?.id]);
    expect(index.rank('大型廢棄家具預約清運', { k: 1 })[0]?.entry.id).toBe(entries[0]?.id);

    const otherDictionary = new PersistedDerivedCache(dir, 'default', dictionaryKey(['老人卡']));
    expect(otherDictionary.get(entries[1] as (typeof entries)[0], index.tuning)).toBeUndefined();

    writeFileSync(join(dir, 'default.json'), '{"format":1,"dictionary":');
    const broken = new PersistedDerivedCache(dir, 'default', dictionary);
    expect(broken.get(entries[1] as (typeof entries)[0], index.tuning)).toBeUndefined();
  });
});
