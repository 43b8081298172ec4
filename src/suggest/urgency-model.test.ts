import { describe, expect, it } from 'vitest';
import { BUNDLED_URGENCY_LEXICON, createUrgencyDetector, readUrgencyLexicon } from './urgency.js';
import { trainUrgencyModel, type ConceptsOf, type TrainingTurn } from './urgency-model.js';

// A word class as the lexicon writes one: signs that someone has collapsed.
const COLLAPSE = /叫不醒|昏倒|沒反應|翻白眼|抽搐/;
const concepts: ConceptsOf = (text) => (COLLAPSE.test(text) ? [{ name: 'COLLAPSE', paired: true }] : []);

// The urgent turns name the collapse in two ways only; 翻白眼 and 抽搐 never occur in training.
const turns: TrainingTurn[] = [
  { text: '我爸在客廳叫不醒', urgent: true, category: 'medical' },
  { text: '阿嬤剛剛昏倒在廁所', urgent: true, category: 'medical' },
  { text: '同事趴在桌上叫不醒', urgent: true, category: 'medical' },
  { text: '我媽在廚房昏倒', urgent: true, category: 'medical' },
  { text: '垃圾車幾點會到', urgent: false, category: 'none' },
  { text: '戶籍謄本要帶什麼證件', urgent: false, category: 'none' },
  { text: '我爸的老人健保卡怎麼補辦', urgent: false, category: 'none' },
  { text: '客廳的冷氣可以申請補助嗎', urgent: false, category: 'none' },
  { text: '廁所的水管在漏水', urgent: false, category: 'none' },
  { text: '公園的桌子壞了', urgent: false, category: 'none' },
];

describe('the urgency classifier with the lexicon’s concepts', () => {
  it('weighs a word it never saw in training as its class: a collapse said another way', () => {
    const withConcepts = trainUrgencyModel(turns, { epochs: 60 }, concepts);
    const charactersOnly = trainUrgencyModel(turns, { epochs: 60, conceptWeight: 0 }, concepts);
    // Ten turns teach little, so the class's feature only lifts the unseen wording, clearly.
    for (const text of ['我爺爺突然翻白眼', '他倒在地上一直抽搐'])
      expect(withConcepts.predict(text).p, text).toBeGreaterThan(charactersOnly.predict(text).p + 0.08);
    expect(withConcepts.predict('垃圾車明天幾點來').p).toBeLessThan(0.2);
  });

  it('sees the shipped lexicon’s word classes in a normalised caller turn', () => {
    // The lexicon alone: concepts are its word classes, no classifier needs training for this.
    const detector = createUrgencyDetector(readUrgencyLexicon(BUNDLED_URGENCY_LEXICON));
    const said = (text: string) => detector.concepts(detector.normalize(text)).map((c) => c.name);
    expect(said('我爸剛剛眼睛翻白 叫不太醒')).toEqual(expect.arrayContaining(['KIN', 'NOW', 'COLLAPSE']));
    expect(said('我想問垃圾車幾點會到')).not.toContain('COLLAPSE');
  });
});
