import type { ConfidenceModel } from './confidence.js';

/**
 * Fitted by `npm run calibrate:retrieval` (bench/calibrate-retrieval.ts) on realistic caller questions:
 * the hand-written dev set, our out-of-scope set and held-out similar questions, top 5 cards each.
 * Feature order: `CONFIDENCE_FEATURES`. Refit after changing the index or the shipped phrasings.
 */
export const TAIPEI_CONFIDENCE: ConfidenceModel = {
  intercept: -5.3743,
  weights: [-0.2495, 1.172, 3.2786, -0.7919, -1.2822, 3.8839],
};
