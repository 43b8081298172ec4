import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agencyRouter, countAgencies } from './agency-router.js';
import { FaqIndex } from './faq-index.js';
import { defaultTuning } from './index-build.js';
import { loadSnapshot, saveSnapshot, snapshotKey } from './index-snapshot.js';
import { dictionaryKey } from './docs-cache.js';
import { synonymTerms } from './synonyms.js';
import { dictionary, entries, queries, ranked, segmenter } from './testing/persisted-index.js';

function saved() {
  const dir = mkdtempSync(join(tmpdir(), 'kb-snapshot-'));
  const index = FaqIndex.build(entries, segmenter);
  const key = snapshotKey(entries, dictionary, defaultTuning);
  saveSnapshot(dir, 'default', key, {
    parts: index.parts,
    router: countAgencies(entries),
    terms: ['大型家具'],
  });
  return { dir, index, key };
}

describe('index snapshot kept between starts', () => {
  it('a restart reads back an index, router and terms that answer exactly as freshly built ones', () => {
    const { dir, index, key } = saved();
    const back = loadSnapshot(dir, 'default', key, entries, defaultTuning);
    expect(back).not.toBeNull();
    const restored = new FaqIndex(back!.parts, segmenter);
    expect(ranked(restored)).toEqual(ranked(index));
    // Learned phrasings score with the restored field statistics as with the built ones.
    const learned = [{ entryId: entries[3]!.id, text: '舊沙發怎麼丟' }];
    expect(
      restored
        .rank('舊沙發怎麼丟', { k: 3, overlay: restored.overlay(learned) })
        .map((r) => [r.entry.id, r.score]),
    ).toEqual(
      index.rank('舊沙發怎麼丟', { k: 3, overlay: index.overlay(learned) }).map((r) => [r.entry.id, r.score]),
    );
    const router = agencyRouter(countAgencies(entries));
    expect(agencyRouter(back!.router).route(queries.join(' '), 5)).toEqual(
      router.route(queries.join(' '), 5),
    );
    expect(back!.terms).toEqual(['大型家具']);
  });

  it('is not used once an entry, its order, the dictionary or the tuning changed, nor when unreadable', () => {
    const { dir, key } = saved();
    const edited = entries.map((e, i) => (i === 7 ? { ...e, agency: '環保局' } : e));
    const keyOf = (list: typeof entries, dict = dictionary, tuning = defaultTuning) =>
      snapshotKey(list, dict, tuning);
    for (const other of [
      keyOf(edited),
      keyOf([...entries].reverse()),
      keyOf(entries, dictionaryKey([...synonymTerms(), '老人卡'])),
      keyOf(entries, dictionary, { ...defaultTuning, answerChunkChars: 80 }),
    ]) {
      expect(other).not.toBe(key);
      expect(loadSnapshot(dir, 'default', other, entries, defaultTuning)).toBeNull();
    }
    expect(keyOf(entries.map((e) => ({ ...e })))).toBe(key);
    // The store gives back an import's entries with their fields in another order: the same content.
    expect(keyOf(entries.map(({ id, ...rest }) => ({ ...rest, id })))).toBe(key);

    writeFileSync(join(dir, 'default.index'), Buffer.from([40, 0, 0, 0, 123, 34]));
    expect(loadSnapshot(dir, 'default', key, entries, defaultTuning)).toBeNull();
  });
});
