import { describe, expect, it } from 'vitest';
import { requireShared, sharedPaths } from '../../test/shared.js';
import { readFileSync } from 'node:fs';
import { trainAgencyRouter } from './agency-router.js';
import { parseEntries } from './import-format.js';

const readJsonl = <T>(file: string): T[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);

describe('agency routing trained from the KB labels', () => {
  const rows = parseEntries(readFileSync(requireShared(sharedPaths.faq), 'utf8'));

  it('routes held-out KB questions to their agency far better than the majority class', () => {
    // Deterministic 90/10 split on the entry id.
    const heldOut = (id: string) => Number.parseInt(id.slice(-2), 10) % 10 === 0;
    const router = trainAgencyRouter(rows.filter((r) => !heldOut(r.id)));
    const test = rows.filter((r) => heldOut(r.id));
    const top1 = test.filter((r) => router.route(r.question, 1)[0]?.agency === r.agency).length / test.length;
    const majority =
      Math.max(...router.agencies.map((a) => test.filter((r) => r.agency === a).length)) / test.length;
    console.info(
      `[routing] held-out top-1 ${(top1 * 100).toFixed(1)}% (majority class ${(majority * 100).toFixed(1)}%, n=${test.length})`,
    );
    expect(top1).toBeGreaterThan(0.75);
  });

  it('routes the dev paraphrases to the 2024 agency', () => {
    const router = trainAgencyRouter(rows);
    const dev = readJsonl<{ query: string; agency_2024: string }>(
      requireShared(`${sharedPaths.devDir}/taipei_paraphrase.dev.jsonl`),
    );
    const top1 = dev.filter((d) => router.route(d.query, 1)[0]?.agency === d.agency_2024).length / dev.length;
    console.info(`[routing] dev paraphrases top-1 ${(top1 * 100).toFixed(1)}% (n=${dev.length})`);
    expect(top1).toBeGreaterThan(0.85);
    expect(router.route('垃圾車什麼時候會來收垃圾', 1)[0]?.agency).toBe('環境保護局');
  });
});
