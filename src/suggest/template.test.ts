import { describe, expect, it } from 'vitest';
import { requireShared, sharedPaths } from '../../test/shared.js';
import type { FaqEntry } from '../knowledge/types.js';
import type { FaqCandidate } from '../protocol/index.js';
import { extractFacts, unsupportedFacts } from './facts.js';
import { speakabilityIssues } from './speakable.js';
import { buildTemplateScript } from './template.js';
import { readFaqJsonl } from './testing/faq.js';

const faq = readFaqJsonl(requireShared(sharedPaths.faq))
  // 36 entries have no answer; those are hand-offs, tested separately.
  .filter((row) => row.answer.trim() !== '' && row.answer.trim() !== '[]');

const candidate = (row: FaqEntry, score = 0.9): FaqCandidate => ({
  faq_id: row.id,
  question: row.question,
  answer: row.answer,
  agency: row.agency,
  score,
  confidence: score,
  tier: 'hot',
});

describe('template reply scripts on the real Taipei FAQ', () => {
  it('every number, phone, date and amount in every script occurs in the cited entry', () => {
    let withFacts = 0;
    for (const row of faq) {
      // The question a caller asks is another entry's wording half the time, to vary sentence choice.
      const other = faq[(faq.indexOf(row) * 7919) % faq.length] as FaqEntry;
      for (const question of [row.question, other.question]) {
        const script = buildTemplateScript({
          question,
          candidates: [candidate(row)],
          tier: 'hot',
          handoff: null,
        });
        expect(script.cited_faq_ids).toEqual([row.id]);
        const missing = unsupportedFacts(script.text, [row.answer]);
        if (missing.length > 0)
          throw new Error(`${row.id}: ${missing.join(', ')} not in source\n${script.text}`);
        if (extractFacts(script.text).length > 0) withFacts++;
      }
    }
    // The property is only meaningful if many scripts carry facts at all.
    expect(withFacts).toBeGreaterThan(2000);
  });

  it('every script can be read aloud: no 本局, law articles, URLs, notes, exclamations or half sentences', () => {
    const problems: string[] = [];
    for (const row of faq) {
      const script = buildTemplateScript({
        question: row.question,
        candidates: [candidate(row)],
        tier: 'hot',
        handoff: null,
      });
      const issues = speakabilityIssues(script.text);
      if (issues.length > 0) problems.push(`${row.id} ${issues.join(',')}: ${script.text}`);
    }
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it('the speakability check itself catches what an agent should not read out', () => {
    expect(speakabilityIssues('可由本局依噪音管制法進行稽查取締外。')).toEqual([
      'self_reference',
      'mid_clause',
    ]);
    expect(speakabilityIssues('依噪音管制法第9條規定辦理。')).toEqual(['law_article']);
    expect(speakabilityIssues('請至https://dep.gov.taipei查詢。')).toEqual(['url']);
    expect(speakabilityIssues('免費參觀喔！')).toEqual(['exclamation']);
    expect(speakabilityIssues('備註：本表僅供參考。')).toEqual(['internal_note']);
    expect(speakabilityIssues('環保局會派員稽查，您可以先記下時間地點。')).toEqual([]);
  });

  it('speaks as the hotline agent and moves web pages to links the agent can send', () => {
    const answer =
      '民眾如遇噪音，除可由本局依噪音管制法第9條進行稽查取締外，亦可向本府陳情喔！詳見網址：https://www.dep.gov.taipei/noise 。';
    const row = {
      ...(faq[0] as FaqEntry),
      id: 'noise',
      agency: '環境保護局',
      question: '噪音怎麼檢舉',
      answer,
    };
    const script = buildTemplateScript({
      question: '樓上很吵',
      candidates: [candidate(row)],
      tier: 'hot',
      handoff: null,
    });
    expect(speakabilityIssues(script.text)).toEqual([]);
    expect(script.text).toContain('環境保護局');
    expect(script.text).toContain('市府');
    expect(script.text).toContain('您');
    expect(script.links).toEqual([{ label: '噪音怎麼檢舉', url: 'https://www.dep.gov.taipei/noise' }]);
    expect(script.text).toContain('簡訊或電子郵件');
  });

  it('is greeting-free, one answer sentence, then numbered steps', () => {
    for (const row of faq.filter((r) => r.answer.length > 200).slice(0, 500)) {
      const text = buildTemplateScript({
        question: row.question,
        candidates: [candidate(row)],
        tier: 'hot',
        handoff: null,
      }).text;
      const lines = text.split('\n');
      expect(text).not.toMatch(/^(您好|你好|哈囉|早安|午安)/);
      expect(lines[0]).toMatch(/[。？]$/);
      lines
        .slice(2)
        .filter((line) => !line.includes('簡訊或電子郵件'))
        .forEach((line, i) => expect(line.startsWith(`${i + 1}. `)).toBe(true));
      // Answer, lead-in, up to four steps, and the offer to send links.
      expect(lines.length).toBeLessThanOrEqual(7);
    }
  });

  it('condenses a long answer by picking the sentences about the question', () => {
    const row = faq.find((r) => r.id === 'tpe2024-03883') as FaqEntry;
    const text = buildTemplateScript({
      question: '弱勢家庭兒童生活扶助申請文件要寄到哪裡？寄件地址',
      candidates: [candidate(row)],
      tier: 'hot',
      handoff: null,
    }).text;
    expect(text).toContain('11008臺北市信義區市府路1號8樓西南區');
    expect(text.length).toBeLessThan(row.answer.length);
  });

  it('hands a cold question to the agency with its own phone and hours, citing no entry', () => {
    const contact = { agency: '臺北市政府社會局', phone: '(02)2720-6528', hours: '週一至週五8:30~17:30' };
    const script = buildTemplateScript({
      question: '外星人',
      candidates: [candidate(faq[0] as FaqEntry, 0.1)],
      tier: 'cold',
      handoff: contact,
    });
    expect(script.cited_faq_ids).toEqual([]);
    expect(script.text).toContain('(02)2720-6528');
    expect(unsupportedFacts(script.text, [JSON.stringify(contact)])).toEqual([]);
  });
});
