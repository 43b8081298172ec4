import type { ConfidenceModel } from './confidence.js';

/**
 * Fitted by `npm run calibrate:retrieval` (bench/calibrate-retrieval.ts) on realistic caller questions:
 * the hand-written dev set, our out-of-scope set and held-out similar questions, top 5 cards each.
 * Feature order: `CONFIDENCE_FEATURES`. Refit after changing the index or the shipped phrasings.
 */
export const TAIPEI_CONFIDENCE: ConfidenceModel = {
  intercept: -5.4282,
  weights: [-0.3086, 1.0953, 3.3354, -0.8551, -1.4291, 3.8284],
};
