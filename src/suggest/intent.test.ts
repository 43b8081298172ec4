import { describe, expect, it } from 'vitest';
import { requireShared, sharedPaths } from '../../test/shared.js';
import { createLiveAgencyRouter, trainAgencyRouter } from './agency-router.js';
import { readFaqJsonl, readJsonl, type ParaphraseQuery } from './testing/faq.js';
import { createKnowledgeDouble } from './testing/knowledge-double.js';
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

describe('agency routing trained from the KB labels', () => {
  const rows = readFaqJsonl(requireShared(sharedPaths.faq));

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
    const dev = readJsonl<ParaphraseQuery>(
      requireShared(`${sharedPaths.devDir}/taipei_paraphrase.dev.jsonl`),
    );
    const top1 = dev.filter((d) => router.route(d.query, 1)[0]?.agency === d.agency_2024).length / dev.length;
    console.info(`[routing] dev paraphrases top-1 ${(top1 * 100).toFixed(1)}% (n=${dev.length})`);
    expect(top1).toBeGreaterThan(0.85);
    expect(router.route('垃圾車什麼時候會來收垃圾', 1)[0]?.agency).toBe('環境保護局');
  });
});

describe('live agency router', () => {
  it('retrains when its KB gets a new version', async () => {
    const v1 = [{ id: 'a', question: '垃圾車幾點來', answer: '晚上', agency: '環境保護局', tags: [] }];
    const v2 = [...v1, { id: 'b', question: '捷運末班車幾點', answer: '午夜', agency: '捷運公司', tags: [] }];
    let entries = v1;
    const knowledge = createKnowledgeDouble(v1);
    const router = await createLiveAgencyRouter({ knowledge, kb: 'default', load: async () => entries });
    expect(router.agencies).toEqual(['環境保護局']);
    entries = v2;
    knowledge.replace(v2);
    await new Promise((r) => setTimeout(r, 10));
    expect(router.route('捷運末班車', 1)[0]?.agency).toBe('捷運公司');
    router.close();
  });
});
