import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { resolvePaths, warmUpLater, type Config, type Logger } from '../config/index.js';
import { toTaiwanTraditional } from './convert.js';
import { Draft } from './draft.js';
import { TextError } from './errors.js';
import { fillerRemovals } from './filler.js';
import { inverseNormalize } from './itn.js';
import { checkTerm, loadTaipeiLexicon, readExtraTerms, type LexiconTerm } from './lexicon.js';
import { PhoneticIndex, type TermMatch } from './phonetic.js';
import { punctuate } from './punct.js';
import { PublicData, placeRedactions, redactions } from './redact.js';
import {
  textSteps,
  type NormalizeOptions,
  type NormalizeResult,
  type RedactionUse,
  type TextNormalizer,
  type TextStep,
} from './types.js';

/** The text stage as built from config: the normalizer plus its lexicon controls. */
export interface TextStage extends TextNormalizer {
  /** Replaces the terms mined from the active knowledge base (pushed by the knowledge stage). */
  setKnowledgeTerms(terms: string[]): void;
  /** Adds admin terms: appended to the extra lexicon file and live at once. */
  addTerms(terms: string[]): Promise<void>;
  /** Every lexicon term in use, sorted. */
  terms(): string[];
  /** Admin-added terms (the extra lexicon file). */
  adminTerms(): string[];
  /**
   * Registers published text (agency contacts are built in; pass the active knowledge base's answers):
   * phone numbers, accounts and addresses found there are public and never redacted.
   */
  setPublicText(texts: string[]): void;
}

export interface CreateTextNormalizerOptions {
  config: Config;
  logger?: Logger;
}

export const DEFAULT_STEPS: readonly TextStep[] = textSteps.filter((s) => s !== 'redact');

/** Checks a list of step names (CLI/REST input). */
export function parseSteps(names: readonly string[]): TextStep[] {
  const bad = names.filter((n) => !(textSteps as readonly string[]).includes(n));
  if (bad.length) {
    throw new TextError(
      'invalid_steps',
      `unknown step(s) ${bad.join(', ')}; steps are ${textSteps.join(', ')}`,
    );
  }
  return names as TextStep[];
}

/** A normalize request as the CLI and REST take it: step names unchecked, the rest as typed. */
export interface NormalizeRequest {
  steps?: readonly string[];
  redactFor?: RedactionUse;
  final?: boolean;
  pauses?: NormalizeOptions['pauses'];
}

/** One line's answer on the CLI and REST: the result, without `raw` when redacted. */
export type NormalizeAnswer = Omit<NormalizeResult, 'raw'> & { raw?: string };

/**
 * The one way the CLI and REST turn a request into answers. A use (`redactFor`) adds the redact step,
 * to the default steps when none are named; naming `redact` without a use redacts for the archive. A
 * redacted answer is meant to be kept or shown, so it never carries the original alongside.
 * Checks the request at once (`invalid_steps`), before any stage is built or line read.
 */
export function lineNormalizer(
  request: NormalizeRequest,
): (stage: TextNormalizer, line: string) => NormalizeAnswer {
  const named = request.steps ? parseSteps(request.steps) : DEFAULT_STEPS;
  const redacting = request.redactFor !== undefined || named.includes('redact');
  const options: NormalizeOptions = {
    steps: redacting && !named.includes('redact') ? [...named, 'redact'] : named,
    redactFor: request.redactFor,
    final: request.final ?? true,
    pauses: request.pauses,
  };
  return (stage, line) => {
    const { raw, ...result } = stage.normalize(line, options);
    return redacting ? result : { raw, ...result };
  };
}

/** KB answers read for public numbers per warm-up task (a few ms each). */
const PUBLIC_TEXTS_PER_SLICE = 100;

/**
 * Builds the zh-TW text stage. The lexicon (Taipei districts, villages, roads, agencies) comes from
 * `text.lexiconDir`; without it the stage still converts, normalizes and redacts, with no lexicon.
 * Indexes are built here, once, so `normalize` stays cheap enough for every partial.
 */
export async function createTextNormalizer(options: CreateTextNormalizerOptions): Promise<TextStage> {
  const { config, logger } = options;
  const extraFile = resolvePaths(config).extraLexiconFile;
  const base: LexiconTerm[] = [];
  const publicData = new PublicData();
  const publicContacts: string[] = [];
  if (config.text.lexiconDir) {
    const lexicon = loadTaipeiLexicon(config.text.lexiconDir);
    base.push(...lexicon.terms);
    publicContacts.push(...lexicon.publicContacts);
    if (lexicon.missing.length) logger?.warn({ missing: lexicon.missing }, 'text: lexicon files missing');
  } else {
    logger?.warn('text: no lexicon folder configured (HOTLINE_LEXICON_DIR); lexicon correction is off');
  }
  publicData.add(publicContacts);
  let admin = readExtraTerms(extraFile);
  let knowledge: string[] = [];
  let lexiconTerms: LexiconTerm[] = [];
  let index: PhoneticIndex | null = null;
  let all: string[] = [];
  // Indexing every term by sound takes a noticeable part of a start: the terms the stage starts with
  // are indexed on first use (the server replaces them with the KB's at once), a change at once.
  const lexicon = (): PhoneticIndex => (index ??= new PhoneticIndex(lexiconTerms));
  const setTerms = () => {
    lexiconTerms = [
      ...base,
      ...admin.map((text) => ({ text, kind: 'admin' as const })),
      ...knowledge.map((text) => ({ text, kind: 'knowledge' as const })),
    ];
    index = null;
    all = [...new Set(lexiconTerms.map((t) => t.text))].sort();
  };
  const rebuild = () => {
    setTerms();
    lexicon();
  };
  /** Published texts are read for public numbers in slices once a server is up (a redaction reads what is left first). */
  const readPublicText = () => {
    if (publicData.readPending(PUBLIC_TEXTS_PER_SLICE)) warmUpLater(readPublicText);
  };
  setTerms();
  warmUpLater(readPublicText);
  logger?.info({ terms: all.length }, 'text: lexicon ready');

  function normalize(raw: string, opts: NormalizeOptions = {}): NormalizeResult {
    const steps = new Set(opts.steps ?? DEFAULT_STEPS);
    const draft = new Draft(raw);
    let protectedTerms: TermMatch[] = [];
    // Script conversion is not a correction to show or undo: edits are relative to the converted text.
    if (steps.has('s2t')) {
      const text = draft.text;
      const terms = () =>
        lexicon()
          .matches(text)
          .filter((m) => m.same === m.end - m.start && m.end - m.start >= 3);
      draft.apply(toTaiwanTraditional(text, terms), false);
    }
    if (steps.has('filler')) draft.apply(fillerRemovals(draft.text));
    if (steps.has('lexicon')) {
      const { replacements, terms } = lexicon().correct(draft.text);
      draft.apply(replacements);
      protectedTerms = terms; // same length replacements: spans still valid
    }
    if (steps.has('itn')) draft.apply(inverseNormalize(draft.text, protectedTerms));
    if (steps.has('punct')) {
      const pauses = (opts.pauses ?? []).map((p) => ({ at: draft.mapRaw(p.afterChar), ms: p.ms }));
      draft.apply(punctuate(draft.text, pauses, opts.final ?? false));
    }
    let placed: NormalizeResult['redactions'] = [];
    if (steps.has('redact')) {
      const { replacements, types } = redactions(draft.text, opts.redactFor ?? 'archive', {
        names: config.text.redactNames,
        publicData,
      });
      draft.apply(replacements, false);
      placed = placeRedactions(replacements, types);
    }
    return { raw, text: draft.text, edits: draft.edits, redactions: placed };
  }

  return {
    normalize,
    hotwords: () => all,
    terms: () => all,
    adminTerms: () => [...admin],
    setKnowledgeTerms(terms) {
      knowledge = [...new Set(terms.map((t) => t.trim()).filter((t) => t.length >= 2))];
      rebuild();
    },
    async addTerms(terms) {
      const checked = terms.map(checkTerm);
      const fresh = [...new Set(checked)].filter((t) => !admin.includes(t));
      if (fresh.length === 0) return;
      mkdirSync(dirname(extraFile), { recursive: true });
      appendFileSync(extraFile, fresh.map((t) => `${t}\n`).join(''));
      admin = [...admin, ...fresh];
      rebuild();
      logger?.info({ added: fresh.length }, 'text: admin terms added');
    },
    setPublicText(texts) {
      publicData.clear();
      publicData.add(publicContacts);
      publicData.add(texts);
      warmUpLater(readPublicText);
    },
  };
}
