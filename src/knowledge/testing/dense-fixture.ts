import type { FaqEntry } from '../types.js';

/**
 * A small KB for dense-retrieval tests, and the "meaning" the embeddings test double gives it: a
 * spring mattress is bulky furniture, though no characters are shared with the entry.
 */
export const denseFixture: FaqEntry[] = [
  {
    id: 'bulky',
    question: '大型家具如何預約清運？',
    answer: '請撥打清潔隊電話預約。',
    agency: '環境保護局',
    tags: [],
  },
  {
    id: 'card',
    question: '悠遊卡遺失該怎麼辦？',
    answer: '請向悠遊卡公司辦理掛失。',
    agency: '交通局',
    tags: [],
  },
  {
    id: 'pool',
    question: '運動中心游泳池開放時間？',
    answer: '每日六點至二十二點。',
    agency: '體育局',
    tags: [],
  },
];

export const denseConcepts = [['彈簧床', '大型家具'], ['悠遊卡'], ['游泳']];
