import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedPaths } from '../../test/shared.js';
import { BUNDLED_DATA_DIR } from '../config/index.js';
import { charGrams } from './query-terms.js';
import { phrasingBasis } from './phrasings.js';
import { readSeed } from './seed.js';

const shipped = readSeed(join(BUNDLED_DATA_DIR, 'taipei-faq'));
const hanBigrams = (text: string) =>
  new Set(charGrams(text.replace(/台/g, '臺')).filter((g) => /^\p{Script=Han}{2}$/u.test(g)));
/** Share of the official question's character bigrams a phrasing keeps (real callers: ~0.18). */
const kept = (question: string, phrasing: string) => {
  const q = hanBigrams(question);
  if (!q.size) return 0;
  const p = hanBigrams(phrasing);
  return [...q].filter((g) => p.has(g)).length / q.size;
};
const dice = (a: Set<string>, b: Set<string>) =>
  a.size && b.size ? (2 * [...a].filter((g) => b.has(g)).length) / (a.size + b.size) : 0;

describe('the shipped similar questions (data/taipei-faq/phrasings.jsonl)', () => {
  const answerable = shipped.filter((e) => e.answer.trim());

  it('cover nearly every answerable entry with at least three, written for the entry as it is', () => {
    const covered = answerable.filter((e) => (e.phrasings?.length ?? 0) >= 3);
    console.info(
      `[phrasings] ${shipped.reduce((n, e) => n + (e.phrasings?.length ?? 0), 0)} similar questions; ` +
        `${covered.length}/${answerable.length} answerable entries have ≥ 3`,
    );
    expect(covered.length / answerable.length).toBeGreaterThanOrEqual(0.95);
    for (const e of shipped) {
      for (const p of e.phrasings ?? []) {
        expect(p, e.id).toMatchObject({
          source: 'authored',
          status: 'approved',
          written_for: phrasingBasis(e),
        });
      }
    }
  });

  it('belong only to answerable entries, and never to two unrelated entries', () => {
    const owners = new Map<string, Set<string>>();
    for (const e of shipped) {
      if (e.phrasings?.length) expect(e.answer.trim(), e.id).not.toBe('');
      for (const p of e.phrasings ?? []) owners.set(p.text, (owners.get(p.text) ?? new Set()).add(e.id));
    }
    const byId = new Map(shipped.map((e) => [e.id, e]));
    for (const [text, ids] of owners) {
      const entries = [...ids].map((id) => byId.get(id)!);
      const [first] = entries;
      // Entries sharing a phrasing say the same thing: the same question or answer, or nearly the same question.
      for (const other of entries) {
        const related =
          other.question.trim() === first?.question.trim() ||
          other.answer.trim() === first?.answer.trim() ||
          dice(hanBigrams(other.question), hanBigrams(first?.question ?? '')) >= 0.4;
        expect(related, `${text}: ${[...ids].join(', ')}`).toBe(true);
      }
    }
  });

  it('share few words with the official question, as real callers do', () => {
    const shares = shipped.flatMap((e) => (e.phrasings ?? []).map((p) => kept(e.question, p.text)));
    const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
    console.info(`[phrasings] mean share of the official question's bigrams kept: ${mean.toFixed(3)}`);
    expect(mean).toBeGreaterThan(0.05);
    expect(mean).toBeLessThan(0.25);
    expect(shares.filter((s) => s > 0.45)).toEqual([]);
  });

  it('copy nothing from the realistic dev set, which stays a measure', (ctx) => {
    const dev = join(sharedPaths.devDir, 'taipei_spoken.dev.jsonl');
    if (!existsSync(dev)) {
      console.warn(`[phrasings] skipped: ${dev} not found (set HOTLINE_SHARED_DIR)`);
      return ctx.skip();
    }
    const queries = readFileSync(dev, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => hanBigrams((JSON.parse(l) as { query: string }).query));
    const close = shipped.flatMap((e) =>
      (e.phrasings ?? []).filter((p) => {
        const grams = hanBigrams(p.text);
        return queries.some((q) => dice(grams, q) >= 0.45);
      }),
    );
    expect(close.map((p) => p.text)).toEqual([]);
  });
});
