/**
 * A small classifier for urgency, trained in-process from the labelled caller turns that ship in
 * data/urgency/: logistic regression over character 1–3-grams and accent-folded pinyin 1–2-grams
 * (so a sound-alike misrecognition still shares features with the word it replaced) and the
 * lexicon's word classes the turn mentions, alone and in pairs (a concept outlives the wording),
 * and a softmax over the ten categories for the urgent ones. It catches indirect wordings the
 * lexicon has no cue for; the lexicon keeps the reasons readable and decides the protocol.
 */
import { phoneticKey } from '../text/index.js';
import { urgencyCategories, type UrgencyCategory } from './urgency-categories.js';

export interface TrainingTurn {
  /** Text as the detector normalises it (Traditional, no punctuation, benign compounds blanked). */
  text: string;
  urgent: boolean;
  category: UrgencyCategory | 'none';
}

export interface UrgencyModel {
  /** Probability that the turn is urgent, and the likeliest category if it is. */
  predict(text: string): { p: number; category: UrgencyCategory; top: string[] };
}

export interface ModelOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  /** Shortest character n-gram (single characters are mostly noise at this data size). */
  minGram: number;
  maxGram: number;
  /** Pinyin features weigh less: they back up the characters rather than replace them. */
  soundWeight: number;
  /**
   * Weight of the concept features: each word class of the lexicon the turn mentions, and each pair
   * of them, so a word the training turns never used (翻白眼 where they said 叫不醒) still counts as
   * its class; 0 leaves them out.
   */
  conceptWeight: number;
}

/** A word class of the lexicon that a turn mentions; `paired`: also weighed together with each other paired one. */
export interface Concept {
  name: string;
  paired: boolean;
}
/** The concepts a normalised text mentions. */
export type ConceptsOf = (text: string) => Concept[];

/**
 * Checked by leaving each labelled set out in turn (`npm run eval:urgency-cv`): a stronger weight
 * decay (l2 1e-2) ranks held-out turns better (mean AUC 0.983 → 0.990) but flattens the
 * probabilities, and with the lexicon the product then caught fewer urgent turns at the same false
 * alarms; the weak decay stays. 120 epochs rather than 40: the classifier alone caught 0.835 of the
 * held-out urgent turns instead of 0.79 at the same false alarms (0.3 % vs 0.4 %), training ≈ 0.5 s longer.
 * Concepts at weight 1 with their pairs, on the twelve sets outside the training (blind19–27,
 * train15/17, the shared dev set), pooled, the classifier alone at p ≥ 0.85: 0.855 → 0.891 of the
 * urgent turns (AUC 0.9918 → 0.9947) at 0.8 → 1.0 % false alarms; without pairs 0.876; weight 0.5
 * gained nothing, 1.5–2 only false alarms. Unpaired who-and-when classes (the lexicon's
 * `unpaired_classes`) gave up a little of that for fewer false alarms.
 */
export const DEFAULT_MODEL_OPTIONS: ModelOptions = {
  epochs: 120,
  learningRate: 0.5,
  l2: 1e-4,
  minGram: 1,
  maxGram: 3,
  soundWeight: 0.5,
  conceptWeight: 1,
};

const DIMENSIONS = 1 << 18;

/**
 * Function characters: an n-gram made only of these (我們, 了一, 一個) says how someone talks, not
 * what happened, and at this data size it only teaches the model a narrative style.
 */
const FUNCTION_CHARS = new Set(
  '我你他她它們的了是在有一個就都也很不要會說這那和跟把被到去來上下著過還再又想看覺得好人啊吧呢嗎啦喔欸耶_以後前面裡中自己現真知道起東西整每天才能只大家些什麼怎樣時候事情對沒出',
);
const isFunctionGram = (gram: string) => [...gram].every((c) => FUNCTION_CHARS.has(c));

/**
 * What the features are, part of the key of stored weights (urgency-weights-file.ts): bump the
 * version whenever `featurize` changes, so weights learned on other features are never loaded.
 */
export const URGENCY_FEATURES = `v2 ${DIMENSIONS} ${[...FUNCTION_CHARS].join('')}`;

function hash(feature: string): number {
  let h = 2166136261;
  for (let i = 0; i < feature.length; i++) {
    h ^= feature.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) % DIMENSIONS;
}

interface Features {
  index: Int32Array;
  value: Float32Array;
  /** The character n-grams, for saying which words made the model fire. */
  grams: Map<number, string>;
}

/** L2-normalised sparse vector of feature counts. */
function vectorOf(counts: Map<number, number>, grams: Map<number, string>): Features {
  let norm = 0;
  for (const v of counts.values()) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  const index = Int32Array.from(counts.keys());
  const value = Float32Array.from([...counts.values()].map((v) => v / norm));
  return { index, value, grams };
}

/**
 * A turn's features once: `words` (character and pinyin n-grams, what the category softmax reads)
 * and `all` (those plus the concepts, what the urgent-or-not model reads).
 */
function featurize(text: string, o: ModelOptions, concepts?: ConceptsOf): { words: Features; all: Features } {
  const counts = new Map<number, number>();
  const grams = new Map<number, string>();
  const add = (into: Map<number, number>, feature: string, weight: number) => {
    const at = hash(feature);
    into.set(at, (into.get(at) ?? 0) + weight);
    return at;
  };
  const chars = [...text];
  for (let n = o.minGram; n <= o.maxGram; n++)
    for (let i = 0; i + n <= chars.length; i++) {
      const gram = chars.slice(i, i + n).join('');
      if (isFunctionGram(gram)) continue;
      grams.set(add(counts, `c${gram}`, 1), gram);
    }
  const sounds = phoneticKey(chars.map((c) => (FUNCTION_CHARS.has(c) ? ' ' : c)).join('')).filter(
    (x) => x.trim() !== '',
  );
  if (o.soundWeight > 0)
    for (let n = 1; n <= 2; n++)
      for (let i = 0; i + n <= sounds.length; i++)
        add(counts, `p${sounds.slice(i, i + n).join(' ')}`, o.soundWeight);
  const words = vectorOf(counts, grams);
  if (!concepts || o.conceptWeight <= 0) return { words, all: words };
  const withConcepts = new Map(counts);
  const found = concepts(text);
  const paired = found
    .filter((c) => c.paired)
    .map((c) => c.name)
    .sort();
  for (const { name } of found) add(withConcepts, `k${name}`, o.conceptWeight);
  paired.forEach((a, i) => {
    for (const b of paired.slice(i + 1)) add(withConcepts, `k${a}&${b}`, o.conceptWeight);
  });
  return { words, all: vectorOf(withConcepts, grams) };
}

const dot = (w: Float32Array, f: Features, offset = 0): number => {
  let z = 0;
  for (let k = 0; k < f.index.length; k++)
    z += (w[offset + (f.index[k] as number)] as number) * (f.value[k] as number);
  return z;
};

/** Deterministic shuffle (the same data always trains the same model). */
function order(n: number, epoch: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let seed = 0x9e3779b9 ^ epoch;
  for (let i = n - 1; i > 0; i--) {
    seed = Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) >>> 0;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j] as number, out[i] as number];
  }
  return out;
}

/**
 * What training learns: the binary weights and bias, and the category weights, for the hashed
 * features that occurred in training (every other weight is zero). Small enough to keep on disk.
 */
export interface UrgencyWeights {
  options: ModelOptions;
  bias: number;
  /** Hashed feature indices, ascending. */
  index: Int32Array;
  /** The urgent-or-not weight of each feature in `index`. */
  binary: Float32Array;
  /** The category weights, `index.length` per category, in `urgencyCategories` order. */
  categories: Float32Array;
}

export function trainUrgencyWeights(
  turns: readonly TrainingTurn[],
  options: Partial<ModelOptions> = {},
  concepts?: ConceptsOf,
): UrgencyWeights {
  const o = { ...DEFAULT_MODEL_OPTIONS, ...options };
  const F = turns.map((t) => featurize(t.text, o, concepts));
  const X = F.map((f) => f.all);
  // The category softmax reads the words alone: with the concepts there, the protocols of held-out
  // turns came out wrong more often (509 → 501 of 525 right) with the same turns alerting.
  const words = F.map((f) => f.words);
  // Binary: urgent or not, classes balanced so the larger side does not drown the other.
  const w = new Float32Array(DIMENSIONS);
  let bias = 0;
  const positives = turns.filter((t) => t.urgent).length;
  const balance = positives > 0 && positives < turns.length ? positives / (turns.length - positives) : 1;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (const i of order(turns.length, epoch)) {
      const f = X[i] as Features;
      const y = (turns[i] as TrainingTurn).urgent ? 1 : 0;
      const p = 1 / (1 + Math.exp(-(dot(w, f) + bias)));
      const g = (p - y) * (y ? 1 : balance);
      for (let k = 0; k < f.index.length; k++) {
        const at = f.index[k] as number;
        w[at] = (w[at] as number) - o.learningRate * (g * (f.value[k] as number) + o.l2 * (w[at] as number));
      }
      bias -= o.learningRate * g;
    }
  }
  // Softmax over the categories of the urgent turns.
  const classes = urgencyCategories.length;
  const W = new Float32Array(DIMENSIONS * classes);
  const urgent = turns.map((t, i) => ({ t, i })).filter(({ t }) => t.urgent && t.category !== 'none');
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (const j of order(urgent.length, epoch)) {
      const { t, i } = urgent[j] as { t: TrainingTurn; i: number };
      const f = words[i] as Features;
      const z = urgencyCategories.map((_, c) => dot(W, f, c * DIMENSIONS));
      const max = Math.max(...z);
      const e = z.map((v) => Math.exp(v - max));
      const sum = e.reduce((a, b) => a + b, 0);
      urgencyCategories.forEach((category, c) => {
        const g = (e[c] as number) / sum - (category === t.category ? 1 : 0);
        for (let k = 0; k < f.index.length; k++) {
          const at = c * DIMENSIONS + (f.index[k] as number);
          W[at] =
            (W[at] as number) - o.learningRate * (g * (f.value[k] as number) + o.l2 * (W[at] as number));
        }
      });
    }
  }
  const seen = new Set<number>();
  for (const f of X) for (const at of f.index) seen.add(at);
  const index = Int32Array.from([...seen].sort((a, b) => a - b));
  const categories = new Float32Array(index.length * classes);
  for (let c = 0; c < classes; c++)
    index.forEach((at, k) => (categories[c * index.length + k] = W[c * DIMENSIONS + at] as number));
  return { options: o, bias, index, binary: Float32Array.from(index, (at) => w[at] as number), categories };
}

/** The classifier the weights describe. */
export function urgencyModelFrom(weights: UrgencyWeights, concepts?: ConceptsOf): UrgencyModel {
  const { options: o, bias, index } = weights;
  const classes = urgencyCategories.length;
  const w = new Float32Array(DIMENSIONS);
  const W = new Float32Array(DIMENSIONS * classes);
  index.forEach((at, k) => {
    w[at] = weights.binary[k] as number;
    for (let c = 0; c < classes; c++)
      W[c * DIMENSIONS + at] = weights.categories[c * index.length + k] as number;
  });
  return {
    predict(text) {
      const { all: f, words } = featurize(text, o, concepts);
      const p = 1 / (1 + Math.exp(-(dot(w, f) + bias)));
      const z = urgencyCategories.map((_, c) => dot(W, words, c * DIMENSIONS));
      const best = z.indexOf(Math.max(...z));
      const top = [...f.grams]
        .filter(([at, gram]) => gram.length >= 2 && (w[at] as number) > 0)
        .sort((a, b) => (w[b[0]] as number) - (w[a[0]] as number))
        .slice(0, 3)
        .map(([, gram]) => gram);
      return { p, category: urgencyCategories[best] as UrgencyCategory, top };
    },
  };
}

export function trainUrgencyModel(
  turns: readonly TrainingTurn[],
  options: Partial<ModelOptions> = {},
  concepts?: ConceptsOf,
): UrgencyModel {
  return urgencyModelFrom(trainUrgencyWeights(turns, options, concepts), concepts);
}
