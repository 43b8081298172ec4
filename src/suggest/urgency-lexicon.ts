/**
 * The urgency lexicon (data/urgency/lexicon.json): its schema, its patterns compiled with their word
 * classes expanded, and the text they are matched on — Traditional characters, no spaces or
 * punctuation, benign compounds blanked, sound-alike misrecognitions of key words put back.
 */
import { readFileSync } from 'node:fs';
import { pinyin } from 'pinyin-pro';
import { z } from 'zod';
import { foldAccent, toTaiwanTraditional } from '../text/index.js';
import type { Concept } from './urgency-model.js';
import {
  emergencyProtocols,
  urgencyCategories,
  type EmergencyProtocol,
  type UrgencyCategory,
} from './urgency-categories.js';

const cueSchema = z.object({
  w: z.number(),
  re: z.string().min(1),
  why: z.string().min(1),
  /** Matched within one clause: the pattern ties a thing to what happens to it. */
  clause: z.boolean().optional(),
});
const lexiconSchema = z.object({
  about: z.string(),
  threshold: z.number().positive(),
  critical_at: z.number().positive(),
  classes: z.record(z.string(), z.string()),
  /** Classes the classifier sees alone only, never paired with another (who and when: in every kind of call). */
  unpaired_classes: z.object({ names: z.array(z.string().min(1)), why: z.string().min(1) }).optional(),
  neutral: z.array(z.object({ re: z.string().min(1), why: z.string().min(1) })),
  pivots: z.array(z.object({ re: z.string().min(1), why: z.string().min(1) })),
  /** An opening (these frames) left at a pause, without a pivot word, for what is happening now (`needs`). */
  pause_turn: z
    .object({
      after: z.array(z.string().min(1)).min(1),
      needs: z.string().min(1),
      min_chars: z.number().int().nonnegative(),
      why: z.string().min(1),
    })
    .optional(),
  /** Frames that read a partial as a call about something over: the classifier alone may not overrule them there. */
  settled: z.object({ frames: z.array(z.string().min(1)).min(1), why: z.string().min(1) }).optional(),
  sound_alike: z.array(z.string().min(2)),
  sound_alike_keep: z.array(z.string().min(2)),
  frames: z.array(
    cueSchema.extend({
      id: z.string(),
      unless: z.string().optional(),
      only: z.array(z.enum(urgencyCategories)).optional(),
      except: z.array(z.enum(urgencyCategories)).optional(),
    }),
  ),
  categories: z.array(
    z.object({
      id: z.enum(urgencyCategories),
      label: z.string().min(1),
      protocol: z.enum(emergencyProtocols),
      escalate: z.array(z.object({ protocol: z.enum(emergencyProtocols), re: z.string(), why: z.string() })),
      cues: z.array(cueSchema),
    }),
  ),
});
export type UrgencyLexicon = z.infer<typeof lexiconSchema>;

/** What stands in for a blanked benign compound, so no cue can match across it. */
const BLANK = '_';

export interface CompiledLexicon {
  threshold: number;
  criticalAt: number;
  neutral: RegExp;
  anchors: Map<number, Map<string, string>>;
  /** Spans that sound like an anchor but are ordinary writing (遺失或 → 失或, 請生理假 → 請生). */
  keep: Set<string>;
  frames: Array<{
    id: string;
    w: number;
    re: RegExp;
    unless: RegExp | null;
    only: Set<UrgencyCategory> | null;
    except: Set<UrgencyCategory>;
  }>;
  categories: Array<{
    id: UrgencyCategory;
    label: string;
    protocol: EmergencyProtocol;
    escalate: Array<{ protocol: EmergencyProtocol; re: RegExp }>;
    cues: Array<{ w: number; re: RegExp; clause: boolean }>;
  }>;
  /** Words by which a caller leaves an ordinary question for something else (算了, 其實…); null without any. */
  pivot: RegExp | null;
  /** Leaving an opening at a pause: the frames that mark it, the present the rest must speak of; null without. */
  pauseTurn: { after: Set<string>; needs: RegExp; minChars: number } | null;
  /** Frames that read a partial as a call about something over (`settled`). */
  settled: Set<string>;
  /** Every word class, expanded: the concepts the classifier sees in a turn. */
  concepts: Array<Concept & { re: RegExp }>;
}

/** Expands {NAME} class references (classes may use other classes). */
function expander(classes: Record<string, string>): (pattern: string) => string {
  const expand = (pattern: string, depth: number): string =>
    pattern.replace(/\{([A-Z_]+)\}/g, (whole, name: string) => {
      const body = classes[name];
      if (body === undefined) throw new Error(`urgency lexicon: unknown class {${name}}`);
      if (depth > 5) throw new Error(`urgency lexicon: class {${name}} nests too deep`);
      return expand(body, depth + 1);
    });
  return (pattern) => expand(pattern, 0);
}

function compile(lexicon: UrgencyLexicon): CompiledLexicon {
  const expand = expander(lexicon.classes);
  const re = (pattern: string, where: string): RegExp => {
    try {
      return new RegExp(expand(pattern));
    } catch (err) {
      throw new Error(`urgency lexicon: bad pattern in ${where}: ${(err as Error).message}`, { cause: err });
    }
  };
  const unpaired = new Set(lexicon.unpaired_classes?.names ?? []);
  for (const name of unpaired)
    if (!(name in lexicon.classes))
      throw new Error(`urgency lexicon: unpaired class {${name}} does not exist`);
  const anchors = new Map<number, Map<string, string>>();
  for (const anchor of lexicon.sound_alike) {
    const byKey = anchors.get(anchor.length) ?? new Map<string, string>();
    byKey.set(soundKeys(anchor).join(' '), anchor);
    anchors.set(anchor.length, byKey);
  }
  return {
    threshold: lexicon.threshold,
    criticalAt: lexicon.critical_at,
    neutral: new RegExp(lexicon.neutral.map((n) => `(?:${expand(n.re)})`).join('|'), 'g'),
    anchors,
    keep: new Set(lexicon.sound_alike_keep),
    frames: lexicon.frames.map((f) => ({
      id: f.id,
      w: f.w,
      re: re(f.re, `frame ${f.id}`),
      unless: f.unless ? re(f.unless, `frame ${f.id}`) : null,
      only: f.only ? new Set(f.only) : null,
      except: new Set(f.except ?? []),
    })),
    categories: lexicon.categories.map((c) => ({
      id: c.id,
      label: c.label,
      protocol: c.protocol,
      escalate: c.escalate.map((e) => ({ protocol: e.protocol, re: re(e.re, `${c.id} escalation`) })),
      cues: c.cues.map((cue, i) => ({
        w: cue.w,
        re: re(cue.re, `${c.id} cue ${i + 1}`),
        clause: cue.clause ?? false,
      })),
    })),
    pivot: lexicon.pivots.length
      ? new RegExp(lexicon.pivots.map((p) => `(?:${expand(p.re)})`).join('|'), 'g')
      : null,
    pauseTurn: lexicon.pause_turn
      ? {
          after: new Set(lexicon.pause_turn.after),
          needs: re(lexicon.pause_turn.needs, 'pause_turn'),
          minChars: lexicon.pause_turn.min_chars,
        }
      : null,
    settled: new Set(lexicon.settled?.frames ?? []),
    concepts: Object.keys(lexicon.classes).map((name) => ({
      name,
      paired: !unpaired.has(name),
      re: re(`{${name}}`, `class ${name}`),
    })),
  };
}

/** Accent-folded toneless syllables, one per character (non-Han characters stand for themselves). */
function soundKeys(text: string): string[] {
  return pinyin(text, { toneType: 'none', type: 'array', v: true }).map((s) =>
    foldAccent(s.trim().toLowerCase()),
  );
}

/**
 * Puts back an anchor word the recognizer wrote with sound-alike characters (割婉 → 割腕,
 * 自己的聲明 → 自己的生命, 婚倒 → 昏倒). At least one character must already be the anchor's own,
 * so common words that merely sound the same (一個晚上, 活在, 期貨, 一條樓梯) are left alone; real
 * words that share one (不住 beside 不著) are listed in `sound_alike_keep`.
 */
function repairSoundAlikes(
  text: string,
  { anchors, keep }: Pick<CompiledLexicon, 'anchors' | 'keep'>,
): string {
  const chars = [...text];
  const keys = soundKeys(text);
  if (keys.length !== chars.length) return text;
  let out = '';
  for (let i = 0; i < chars.length;) {
    let replaced = false;
    for (const [length, byKey] of anchors) {
      if (i + length > chars.length) continue;
      const anchor = byKey.get(keys.slice(i, i + length).join(' '));
      if (!anchor) continue;
      const span = chars.slice(i, i + length).join('');
      const shared = [...anchor].filter((ch, k) => chars[i + k] === ch).length;
      if (span === anchor || shared === 0 || keep.has(span)) continue;
      out += anchor;
      i += length;
      replaced = true;
      break;
    }
    if (!replaced) out += chars[i++];
  }
  return out;
}

function applyReplacements(
  text: string,
  replacements: ReadonlyArray<{ start: number; end: number; text: string }>,
) {
  let out = '';
  let pos = 0;
  for (const r of [...replacements].sort((a, b) => a.start - b.start)) {
    out += text.slice(pos, r.start) + r.text;
    pos = r.end;
  }
  return out + text.slice(pos);
}

/** Spaces and punctuation: where a recognizer or a typist marks a pause between clauses. */
export const PAUSE = /[^\p{Script=Han}\p{L}\p{N}]+/gu;

const cleaned = (compiled: CompiledLexicon, bare: string) =>
  repairSoundAlikes(bare.replace(compiled.neutral, BLANK), compiled);

/**
 * The text cues are matched on: Traditional characters, no spaces or punctuation (a recognizer
 * may give none), benign compounds blanked, sound-alike anchors repaired.
 */
export function normalizeFor(compiled: CompiledLexicon, text: string): string {
  return cleaned(compiled, traditionalFor(text).replace(PAUSE, ''));
}

/** The text in Taiwan Traditional characters, as written otherwise. */
export function traditionalFor(text: string): string {
  return applyReplacements(text, toTaiwanTraditional(text));
}

/**
 * The same text clause by clause, where a pause or a punctuation mark divides them: what the cues
 * that tie a thing to what happens to it (`clause`) are matched on, so 牆 | 剛剛撞到額頭裂開 is
 * not a wall cracking.
 */
export function clausesFor(compiled: CompiledLexicon, text: string): string[] {
  return traditionalFor(text)
    .split(PAUSE)
    .filter((clause) => clause !== '')
    .map((clause) => cleaned(compiled, clause));
}

/** Validates a lexicon and compiles its patterns; a bad pattern or class is an error naming it. */
export function compileLexicon(lexicon: UrgencyLexicon): CompiledLexicon {
  return compile(lexiconSchema.parse(lexicon));
}

export function readUrgencyLexicon(path: string): UrgencyLexicon {
  return lexiconSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}
