import { describe, expect, it } from 'vitest';
import { requireShared, sharedPaths } from '../../test/shared.js';
import { detectUrgency } from './urgency.js';
import { readFaqJsonl } from './testing/faq.js';
import { calmUtterances, urgentUtterances } from './testing/urgent-utterances.js';

describe('urgency detection', () => {
  it('raises an alert of the right kind for the hand-written urgent utterances', () => {
    const wrong = urgentUtterances.filter((u) => detectUrgency(u.text)?.category !== u.category);
    const recall = 1 - wrong.length / urgentUtterances.length;
    console.info(
      `[urgency] recall ${(recall * 100).toFixed(1)}% on ${urgentUtterances.length} urgent utterances`,
    );
    expect(wrong.map((u) => `${u.text} → ${detectUrgency(u.text)?.category ?? 'none'}`)).toEqual([]);
  });

  it('stays quiet on ordinary enquiries about the same topics', () => {
    expect(calmUtterances.filter((t) => detectUrgency(t) !== null)).toEqual([]);
  });

  it('almost never fires on the 4,847 real Taipei FAQ questions', () => {
    const questions = readFaqJsonl(requireShared(sharedPaths.faq)).map((e) => e.question);
    const alarms = questions.filter((q) => detectUrgency(q) !== null);
    console.info(
      `[urgency] false alarms ${alarms.length}/${questions.length} FAQ questions: ${alarms.map((q) => `${q} (${detectUrgency(q)?.reason})`).join(' | ')}`,
    );
    expect(alarms.length / questions.length).toBeLessThan(0.002);
  });

  it('says why, with the words that triggered it', () => {
    const urgency = detectUrgency('我聞到很重的瓦斯味');
    expect(urgency).toMatchObject({ category: 'gas', level: 'critical' });
    expect(urgency?.reason).toContain('瓦斯味');
  });
});
