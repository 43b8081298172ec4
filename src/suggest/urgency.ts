/**
 * Urgency from what the caller says: someone in danger now, or a caller who is dangerous. A
 * reviewed lexicon of weighted cues per category (urgency-lexicon.ts), scored over the text after
 * the errors a recognizer makes are undone, combined with a small classifier trained in-process
 * (urgency-model.ts) that catches indirect wordings the lexicon has no cue for. The lexicon names
 * the category and the words when it fires, so a supervisor can read why an alert was raised.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { BUNDLED_DATA_DIR } from '../config/index.js';
import {
  clausesFor,
  compileLexicon,
  PAUSE,
  normalizeFor,
  traditionalFor,
  readUrgencyLexicon,
  type CompiledLexicon,
  type UrgencyLexicon,
} from './urgency-lexicon.js';
import { readUrgencySet } from './urgency-set.js';
import {
  DEFAULT_MODEL_OPTIONS,
  trainUrgencyWeights,
  URGENCY_FEATURES,
  urgencyModelFrom,
  type Concept,
  type TrainingTurn,
  type UrgencyModel,
} from './urgency-model.js';
import { storedUrgencyWeights, urgencyWeightsKey } from './urgency-weights-file.js';

import {
  emergencyProtocols,
  urgencyCategories,
  type EmergencyProtocol,
  type UrgencyCategory,
} from './urgency-categories.js';

export { emergencyProtocols, urgencyCategories, type EmergencyProtocol, type UrgencyCategory };
export { readUrgencyLexicon, type UrgencyLexicon };

export interface Urgency {
  category: UrgencyCategory;
  level: 'warning' | 'critical';
  protocol: EmergencyProtocol;
  /** Human-readable reason for the supervisor view, e.g. "自殺風險：不想活、拖累家裡". */
  reason: string;
  /** The words that triggered it, as they read after normalisation. */
  matched: string[];
  /** Lexicon score of the category (0 when only the classifier saw it). */
  score: number;
  /** The classifier's probability that the turn is urgent; null without a classifier. */
  probability: number | null;
}

export interface DetectOptions {
  /**
   * A partial transcript is still growing: a cue in its last characters may yet turn into a benign
   * compound (自殺 → 自殺防治中心), so it waits for the next partial or the final.
   */
  partial?: boolean;
}

export interface UrgencyDetector {
  detect(text: string, options?: DetectOptions): Urgency | null;
}

/** Cues a partial may not use yet: this many characters at its end. */
const PARTIAL_HOLDBACK = 2;
/** How much longer than `min_chars` a partial must be before the classifier alone may alert on it. */
const PARTIAL_EXTRA_CHARS = 6;
/** A category needs at least one cue this strong; weaker cues only support it. */
const MIN_CORE_WEIGHT = 2;
/** Frames summing to this or less mark an ordinary call the classifier alone may not overrule. */
const ORDINARY_VETO = -2;

/** One category's evidence for a text: what the detector weighed, for tuning and for `--explain`. */
export interface CategoryEvidence {
  category: UrgencyCategory;
  score: number;
  cues: Array<{ w: number; text: string }>;
}

export interface Explanation {
  normalized: string;
  categories: CategoryEvidence[];
  /** The classifier's probability that the turn is urgent, and its category; null without a model. */
  model: { p: number; category: UrgencyCategory; top: string[] } | null;
  /** Sum of the negative frames that apply to every category (an enquiry, a past event…). */
  ordinary: number;
  /** A frame reads the text as a call about something over (the lexicon's `settled` frames). */
  settled: boolean;
  /**
   * What the caller said after leaving an ordinary opening (算了, 其實…, or a pause after an enquiry),
   * weighed on its own; `paused`: left at a pause, for something happening now.
   */
  afterPivot: (Explanation & { pivot: string; paused: boolean }) | null;
}

/** How the classifier's probability combines with the lexicon (fitted by cross-validation). */
export interface ModelDecision {
  model: UrgencyModel;
  /** The classifier alone raises an alert from this probability, unless the turn reads as an ordinary call. */
  alone: number;
  /** …even when it reads as one. */
  overrule: number;
  /** Shortest text (normalised characters) the classifier judges alone. */
  minChars: number;
  /** …and a critical one from this. */
  critical: number;
  /** A lexicon alert weaker than critical needs at least this probability (a benign sense the lexicon has no frame for). */
  confirm: number;
  /**
   * A lexicon alert scoring under `vetoScore` needs at least this probability, even a critical one:
   * the classifier that sure a turn is ordinary has seen a benign sense no frame knows (113 for a
   * dog). Never one with a cue as strong as critical alone (我想自殺): the classifier is weakest on
   * short explicit turns (我想自殺，沒有人可以幫我 read as a request for help, p 0.003).
   */
  veto: number;
  vetoScore: number;
}

export interface ExplainingDetector extends UrgencyDetector {
  explain(text: string, options?: DetectOptions): Explanation;
  /** The text as cues and the classifier see it. */
  normalize(text: string): string;
  /** The lexicon's word classes a normalised text mentions (the classifier's concept features). */
  concepts(normalized: string): Concept[];
}

export function createUrgencyDetector(
  lexicon: UrgencyLexicon,
  decision: ModelDecision | null = null,
): ExplainingDetector {
  const compiled = compileLexicon(lexicon);

  /** The frames (an enquiry, a past event, a nuisance…) that apply to normalized text. */
  const framesIn = (norm: string) =>
    compiled.frames.filter((f) => f.re.test(norm) && !(f.unless?.test(norm) ?? false));
  /** How strongly the frames say "an ordinary call", whatever the category (≤ 0). */
  const ordinaryOf = (frames: CompiledLexicon['frames']) =>
    frames.filter((f) => !f.only && f.w < 0).reduce((sum, f) => sum + f.w, 0);

  const weigh = (text: string, options: DetectOptions): Explanation => {
    let norm = normalizeFor(compiled, text);
    const clauses = clausesFor(compiled, text);
    if (options.partial) {
      norm = norm.slice(0, Math.max(0, norm.length - PARTIAL_HOLDBACK));
      const last = clauses.pop() ?? '';
      clauses.push(last.slice(0, Math.max(0, last.length - PARTIAL_HOLDBACK)));
    }
    const frames = framesIn(norm);
    const categories = compiled.categories.flatMap((category) => {
      const cues = category.cues.flatMap((cue) => {
        const hit = cue.clause
          ? clauses.reduce<RegExpExecArray | null>((found, clause) => found ?? cue.re.exec(clause), null)
          : cue.re.exec(norm);
        return hit ? [{ w: cue.w, text: hit[0] }] : [];
      });
      if (cues.length === 0) return [];
      let score = cues.reduce((sum, c) => sum + c.w, 0);
      for (const frame of frames)
        if ((!frame.only || frame.only.has(category.id)) && !frame.except.has(category.id)) score += frame.w;
      return [{ category: category.id, score, cues }];
    });
    return {
      normalized: norm,
      categories,
      model: decision && norm ? decision.model.predict(norm) : null,
      ordinary: ordinaryOf(frames),
      settled: frames.some((f) => compiled.settled.has(f.id)),
      afterPivot: null,
    };
  };

  // A caller who opens with an ordinary question and then turns to something else (…幾點會到 算了
  // 我先生又在摔東西) has left the question: what follows the turn is weighed on its own as well,
  // so the question's frames do not damp it. An enquiry is also left at a mere pause when what
  // follows speaks of now (我想問長照怎麼申請，我爸剛剛講話突然含糊不清): callers wrap a danger
  // in the question they meant to ask without any pivot word.
  const explain = (text: string, options: DetectOptions = {}): Explanation => {
    const whole = weigh(text, options);
    const traditional = traditionalFor(text);
    const leaving = (at: number, pivot: string, paused: boolean): Explanation => ({
      ...whole,
      afterPivot: { pivot, paused, ...weigh(traditional.slice(at), options) },
    });
    for (const pivot of compiled.pivot ? traditional.matchAll(compiled.pivot) : []) {
      // Only the opening's frames matter here: no cues, no classifier run per pivot.
      if (ordinaryOf(framesIn(normalizeFor(compiled, traditional.slice(0, pivot.index)))) >= 0) continue;
      return leaving(pivot.index + pivot[0].length, pivot[0], false);
    }
    const turn = compiled.pauseTurn;
    if (!turn) return whole;
    for (const pause of traditional.matchAll(PAUSE)) {
      const head = normalizeFor(compiled, traditional.slice(0, pause.index));
      // A few characters are a greeting (請問一下), not yet the question.
      const opens = [...head].length >= turn.minChars && framesIn(head).some((f) => turn.after.has(f.id));
      if (!opens) continue;
      const at = pause.index + pause[0].length;
      return turn.needs.test(normalizeFor(compiled, traditional.slice(at)))
        ? leaving(at, pause[0], true)
        : whole;
    }
    return whole;
  };

  /**
   * `byClassifier`: whether the classifier may alert without a lexicon cue — `'sure'`: only from
   * `overrule`, and only where no frame reads the text as an ordinary call.
   */
  const decide = (
    { normalized, categories, model, ordinary, settled }: Explanation,
    options: DetectOptions,
    byClassifier: boolean | 'sure',
  ): Urgency | null => {
    if (!normalized) return null;
    // Supporting cues (a child is mentioned, it is happening now) never make a category alone.
    const supported = categories
      .filter((c) => c.cues.some((cue) => cue.w >= MIN_CORE_WEIGHT))
      .reduce<CategoryEvidence | null>((best, c) => (best && best.score >= c.score ? best : c), null);
    // A partial is still growing (自殺 → 自殺防治中心): on it the lexicon needs critical evidence.
    const needed = options.partial ? compiled.criticalAt : compiled.threshold;
    const confirmed =
      supported !== null &&
      (!decision ||
        !model ||
        ((supported.score >= compiled.criticalAt || model.p >= decision.confirm) &&
          (supported.score >= decision.vetoScore ||
            supported.cues.some((cue) => cue.w >= compiled.criticalAt) ||
            model.p >= decision.veto)));
    const byRules = supported !== null && supported.score >= needed && confirmed;
    // The classifier alone needs enough text, and no sign of an ordinary call (an enquiry, a
    // past event, a hypothetical) unless it is very sure.
    const alone =
      byClassifier !== false &&
      decision !== null &&
      model !== null &&
      [...normalized].length >= decision.minChars &&
      (byClassifier === 'sure'
        ? model.p >= decision.overrule && ordinary >= 0
        : model.p >= decision.overrule || (model.p >= decision.alone && ordinary > ORDINARY_VETO));
    // A partial is still growing: the classifier alone waits for strong evidence there, on more
    // text than a final needs (a short prefix has few n-grams and the classifier is overconfident on it),
    // and leaves a prefix that says the event is over (我媽以前被我爸打，現在已經離婚了…) to the final.
    const sure =
      !options.partial ||
      (model !== null &&
        decision !== null &&
        model.p >= decision.overrule &&
        !settled &&
        [...normalized].length >= decision.minChars + PARTIAL_EXTRA_CHARS);
    const fires = byRules || (alone && sure);
    if (!fires) return null;
    // The lexicon names the category when it fired; otherwise the classifier's own guess does.
    const category = byRules && supported ? supported.category : (model?.category ?? null);
    if (!category) return null;
    const rules = compiled.categories.find((c) => c.id === category) as CompiledLexicon['categories'][number];
    // The lexicon's words for the category, strongest first; the classifier's n-grams otherwise.
    const evidence = categories.find((c) => c.category === category);
    const words = evidence
      ? [...evidence.cues].sort((a, b) => b.w - a.w).map((c) => c.text)
      : (model?.top ?? []);
    const score = supported?.category === category ? supported.score : 0;
    const critical =
      score >= compiled.criticalAt || (decision !== null && (model?.p ?? 0) >= decision.critical);
    return {
      category,
      level: critical ? 'critical' : 'warning',
      protocol: rules.escalate.find((e) => e.re.test(normalized))?.protocol ?? rules.protocol,
      reason: `${rules.label}：${words.slice(0, 3).join('、')}`,
      matched: words,
      score,
      probability: model?.p ?? null,
    };
  };

  return {
    normalize: (text) => normalizeFor(compiled, text),
    concepts: (normalized) =>
      compiled.concepts.filter((c) => c.re.test(normalized)).map(({ name, paired }) => ({ name, paired })),
    explain,
    detect(text, options = {}) {
      const explanation = explain(text, options);
      const after = explanation.afterPivot;
      // After a pivot only a cue may alert: the classifier has judged the whole turn already, and
      // the words after 可是 read alone lose what made them ordinary (罰單 … 可是那天我的車已經被偷了).
      // After a pause the rest already speaks of now, and the enquiry before it is what damped the
      // classifier (請問這附近哪裡有AED？我同事剛剛在會議室倒下…): there it may alert alone when it is
      // sure of the rest and no frame reads the rest as ordinary (on every set, no false alarm more;
      // from `alone` it alarmed on a car's central lock that kept the door shut).
      return (
        decide(explanation, options, true) ??
        (after ? decide(after, options, after.paused ? 'sure' : false) : null)
      );
    },
  };
}

const modelConfigSchema = z.object({
  about: z.string(),
  /** Labelled caller turns (JSONL) the classifier learns from, relative to this file. */
  training: z.array(z.string().min(1)),
  /** Ordinary written questions added as non-urgent examples: every n-th question of a FAQ file. */
  faq_negatives: z.object({ file: z.string(), every: z.number().int().positive() }).optional(),
  alone: z.number().min(0).max(1),
  overrule: z.number().min(0).max(1),
  min_chars: z.number().int().min(0),
  critical: z.number().min(0).max(1),
  confirm: z.number().min(0).max(1),
  veto: z.number().min(0).max(1),
  veto_score: z.number().positive(),
});
export type UrgencyModelConfig = z.infer<typeof modelConfigSchema>;

export function readUrgencyModelConfig(path: string): UrgencyModelConfig {
  return modelConfigSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** The reviewed lexicon and the classifier's training set, shipped with the product. */
export const BUNDLED_URGENCY_LEXICON = join(BUNDLED_DATA_DIR, 'urgency', 'lexicon.json');
export const BUNDLED_URGENCY_MODEL = join(BUNDLED_DATA_DIR, 'urgency', 'model.json');

/**
 * Lexicon plus a classifier trained on the configured turns. `exclude` leaves training files out
 * (absolute paths), so an evaluation set is never scored by a model that learned it. `cacheDir`
 * keeps the trained weights between starts, keyed by everything they were trained from.
 */
export function buildUrgencyDetector(
  options: { lexicon?: string; model?: string | null; exclude?: readonly string[]; cacheDir?: string } = {},
): ExplainingDetector {
  const lexiconFile = options.lexicon ?? BUNDLED_URGENCY_LEXICON;
  const lexicon = readUrgencyLexicon(lexiconFile);
  const modelFile = options.model === undefined ? BUNDLED_URGENCY_MODEL : options.model;
  if (modelFile === null) return createUrgencyDetector(lexicon);
  const config = readUrgencyModelConfig(modelFile);
  const rulesOnly = createUrgencyDetector(lexicon);
  const excluded = new Set((options.exclude ?? []).map((p) => resolve(p)));
  const files = config.training
    .map((file) => resolve(dirname(modelFile), file))
    .filter((file) => !excluded.has(file));
  const faq = config.faq_negatives && {
    ...config.faq_negatives,
    file: resolve(dirname(modelFile), config.faq_negatives.file),
  };
  const key = urgencyWeightsKey([
    URGENCY_FEATURES,
    JSON.stringify(DEFAULT_MODEL_OPTIONS),
    readFileSync(lexiconFile),
    ...files.flatMap((file) => [file, readFileSync(file)]),
    faq ? `${faq.every} ${faq.file}` : '',
    faq ? readFileSync(faq.file) : '',
  ]);
  const train = () => {
    const turns: TrainingTurn[] = files
      .flatMap((file) => readUrgencySet(file))
      .map((t) => ({ text: rulesOnly.normalize(t.text), urgent: t.urgent, category: t.category }));
    if (faq) {
      const questions = readFileSync(faq.file, 'utf8')
        .split('\n')
        .filter((line, i) => line.trim() && i % faq.every === 0)
        .map((line) => (JSON.parse(line) as { question: string }).question);
      for (const q of questions)
        turns.push({ text: rulesOnly.normalize(q), urgent: false, category: 'none' });
    }
    return trainUrgencyWeights(turns, {}, rulesOnly.concepts);
  };
  return createUrgencyDetector(lexicon, {
    model: urgencyModelFrom(storedUrgencyWeights(options.cacheDir, key, train), rulesOnly.concepts),
    alone: config.alone,
    overrule: config.overrule,
    minChars: config.min_chars,
    critical: config.critical,
    confirm: config.confirm,
    veto: config.veto,
    vetoScore: config.veto_score,
  });
}

let bundled: ExplainingDetector | null = null;

/**
 * The detector shipped with the product (lexicon + classifier, trained once on first use, or loaded
 * from `cacheDir` when it was trained there before from the same files).
 */
export function bundledUrgencyDetector(cacheDir?: string): ExplainingDetector {
  bundled ??= buildUrgencyDetector({ cacheDir });
  return bundled;
}

/** The most urgent situation in a caller's words, or null — with the shipped detector. */
export function detectUrgency(text: string, options: DetectOptions = {}): Urgency | null {
  return bundledUrgencyDetector().detect(text, options);
}
