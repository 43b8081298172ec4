import type { RankedEntry } from './faq-index.js';

/**
 * Calibrated confidence: the probability that a card answers the caller, from a logistic model over
 * features of the ranking (how strong the card's match is, how far it leads the next different
 * question, which field matched). The coefficients are fitted on realistic caller questions by
 * `npm run calibrate:retrieval` (docs/knowledge.md, "Confidence"); refit when the index changes.
 */
export interface ConfidenceModel {
  intercept: number;
  /** Coefficients in the order of `CONFIDENCE_FEATURES`. */
  weights: readonly number[];
}

export const CONFIDENCE_FEATURES = [
  'log_score',
  'relative_to_top',
  'lead',
  'log_rank',
  'other_city',
  'coverage',
] as const;

/** Cities and counties other than Taipei: a caller asking about their services is outside this KB. */
const OTHER_PLACES =
  /(新北|桃園|基隆|新竹|苗栗|臺中|台中|彰化|南投|雲林|嘉義|臺南|台南|高雄|屏東|宜蘭|花蓮|臺東|台東|澎湖|金門|連江|馬祖|板橋|三重|中和|永和|新莊|新店|土城|蘆洲|汐止|樹林|淡水|林口)/g;

/** Places outside Taipei the query names that the entry's own text never mentions. */
export function foreignPlaces(query: string, entryText: string): string[] {
  const named = new Set(query.match(OTHER_PLACES) ?? []);
  return [...named].filter(
    (place) => !entryText.includes(place.replace(/台/g, '臺')) && !entryText.includes(place),
  );
}

/** Feature vector of the card at `at` in a ranking (see `CONFIDENCE_FEATURES`). */
export function confidenceFeatures(ranked: readonly RankedEntry[], at: number, query: string): number[] {
  const card = ranked[at] as RankedEntry;
  const top = ranked[0]?.score || 1e-6;
  const question = card.entry.question.trim();
  const next = ranked.slice(at + 1).find((r) => r.entry.question.trim() !== question);
  const lead = next ? (card.score - next.score) / top : card.score / top;
  const entryText = `${card.entry.question}${card.entry.answer}`;
  return [
    Math.log(Math.max(card.score, 1e-6)),
    card.score / top,
    lead,
    Math.log(1 + at),
    foreignPlaces(query, entryText).length > 0 ? 1 : 0,
    card.coverage,
  ];
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export function predict(model: ConfidenceModel, features: readonly number[]): number {
  let z = model.intercept;
  features.forEach((x, i) => (z += (model.weights[i] ?? 0) * x));
  return sigmoid(z);
}

/**
 * Confidence of every card of a ranking, never higher than the card ranked above it: a lower card
 * with close siblings of its own would otherwise read as surer than the card the agent sees first.
 */
export function cardConfidences(
  model: ConfidenceModel,
  ranked: readonly RankedEntry[],
  query: string,
): number[] {
  let ceiling = 1;
  return ranked.map((_, i) => {
    ceiling = Math.min(ceiling, predict(model, confidenceFeatures(ranked, i, query)));
    return ceiling;
  });
}

/**
 * Fits the model by gradient descent on the logistic loss with a small L2 penalty (features are
 * standardised while fitting; the returned coefficients apply to raw features).
 */
export function fitConfidenceModel(
  samples: ReadonlyArray<{ features: readonly number[]; label: 0 | 1 }>,
  options: { l2?: number; iterations?: number; rate?: number } = {},
): ConfidenceModel {
  const dims = CONFIDENCE_FEATURES.length;
  const l2 = options.l2 ?? 0.01;
  const mean = new Array<number>(dims).fill(0);
  const std = new Array<number>(dims).fill(0);
  for (const s of samples) s.features.forEach((x, i) => (mean[i] = (mean[i] as number) + x / samples.length));
  for (const s of samples)
    s.features.forEach(
      (x, i) => (std[i] = (std[i] as number) + (x - (mean[i] as number)) ** 2 / samples.length),
    );
  const scale = std.map((v) => Math.sqrt(v) || 1);
  const xs = samples.map((s) => s.features.map((x, i) => (x - (mean[i] as number)) / (scale[i] as number)));
  let b = 0;
  const w = new Array<number>(dims).fill(0);
  const rate = options.rate ?? 0.5;
  for (let it = 0; it < (options.iterations ?? 3000); it++) {
    let gb = 0;
    const gw = new Array<number>(dims).fill(0);
    xs.forEach((x, n) => {
      let z = b;
      x.forEach((v, i) => (z += (w[i] as number) * v));
      const err = sigmoid(z) - (samples[n] as { label: number }).label;
      gb += err / xs.length;
      x.forEach((v, i) => (gw[i] = (gw[i] as number) + (err * v) / xs.length));
    });
    b -= rate * gb;
    w.forEach((v, i) => (w[i] = v - rate * ((gw[i] as number) + l2 * v)));
  }
  const weights = w.map((v, i) => v / (scale[i] as number));
  const intercept = b - w.reduce((sum, v, i) => sum + (v * (mean[i] as number)) / (scale[i] as number), 0);
  return { intercept, weights };
}
