/**
 * How well the urgency detector does on a labelled set of caller turns, as `eval urgency` and the
 * tests report it: finals, and the partials a streaming recognizer would send before them.
 */
import { urgencyCategories } from './urgency-categories.js';
import type { UrgencyCase } from './urgency-set.js';
import type { DetectOptions, Urgency } from './urgency.js';

type Detect = (text: string, options?: DetectOptions) => Urgency | null;

/** One turn scored: what it is, what the detector said, and whether a partial already alerted. */
export interface UrgencyOutcome {
  gold: UrgencyCase;
  got: Urgency | null;
  alertedOnPartial: boolean;
}

export interface CategoryReport {
  n: number;
  recall: number | null;
  protocol_accuracy: number | null;
  category_accuracy: number | null;
}

export interface UrgencyReport {
  turns: number;
  urgent: number;
  ordinary: number;
  /** Alerts that were for urgent turns. */
  precision: number | null;
  /** Urgent turns that raised an alert (any category). */
  recall: number | null;
  /** Ordinary turns that raised an alert. */
  false_alarm_rate: number | null;
  false_alarms: number;
  /** Of the urgent turns that raised an alert, those with the gold protocol. */
  protocol_accuracy: number | null;
  /** Of the urgent turns that raised an alert, those with the gold category. */
  category_accuracy: number | null;
  /** Streaming: alerts raised on a partial (every prefix, as a recognizer grows it). */
  partials: {
    /** Urgent turns alerted before their final. */
    alerted_before_final: number | null;
    /** Ordinary turns where some partial raised an alert. */
    false_alarm_rate: number | null;
  };
  per_category: Record<string, CategoryReport>;
  missed: Array<{ text: string; category: string }>;
  false_alarm_turns: Array<{ text: string; reason: string }>;
  wrong_protocol: Array<{ text: string; gold: string; got: string }>;
  wrong_category: Array<{ text: string; gold: string; got: string }>;
}

const ratio = (a: number, b: number): number | null => (b ? Math.round((a / b) * 1000) / 1000 : null);

/** Prefixes a streaming recognizer would show, a few characters apart, ending before the full text. */
function partialsOf(text: string): string[] {
  const out: string[] = [];
  for (let end = 4; end < text.length; end += 3) out.push(text.slice(0, end));
  return out;
}

export function scoreUrgency(cases: readonly UrgencyCase[], detect: Detect): UrgencyOutcome[] {
  return cases.map((gold) => ({
    gold,
    got: detect(gold.text),
    alertedOnPartial: partialsOf(gold.text).some((p) => detect(p, { partial: true }) !== null),
  }));
}

/** The report over scored turns (of one set, or several sets put together). */
export function summarizeUrgency(outcomes: readonly UrgencyOutcome[]): UrgencyReport {
  const urgent = outcomes.filter((o) => o.gold.urgent);
  const ordinary = outcomes.filter((o) => !o.gold.urgent);
  const caught = urgent.filter((o) => o.got !== null);
  const alarms = ordinary.filter((o) => o.got !== null);
  const alerts = outcomes.filter((o) => o.got !== null);
  const rightProtocol = (o: UrgencyOutcome) => o.got?.protocol === o.gold.protocol;
  const rightCategory = (o: UrgencyOutcome) => o.got?.category === o.gold.category;

  const per_category: Record<string, CategoryReport> = {};
  for (const category of urgencyCategories) {
    const rows = urgent.filter((o) => o.gold.category === category);
    if (rows.length === 0) continue;
    const hit = rows.filter((o) => o.got !== null);
    per_category[category] = {
      n: rows.length,
      recall: ratio(hit.length, rows.length),
      protocol_accuracy: ratio(hit.filter(rightProtocol).length, hit.length),
      category_accuracy: ratio(hit.filter(rightCategory).length, hit.length),
    };
  }
  return {
    turns: outcomes.length,
    urgent: urgent.length,
    ordinary: ordinary.length,
    precision: ratio(alerts.filter((o) => o.gold.urgent).length, alerts.length),
    recall: ratio(caught.length, urgent.length),
    false_alarm_rate: ratio(alarms.length, ordinary.length),
    false_alarms: alarms.length,
    protocol_accuracy: ratio(caught.filter(rightProtocol).length, caught.length),
    category_accuracy: ratio(caught.filter(rightCategory).length, caught.length),
    partials: {
      alerted_before_final: ratio(urgent.filter((o) => o.alertedOnPartial).length, urgent.length),
      false_alarm_rate: ratio(ordinary.filter((o) => o.alertedOnPartial).length, ordinary.length),
    },
    per_category,
    missed: urgent
      .filter((o) => o.got === null)
      .map((o) => ({ text: o.gold.text, category: o.gold.category })),
    false_alarm_turns: alarms.map((o) => ({ text: o.gold.text, reason: o.got?.reason ?? '' })),
    wrong_protocol: caught
      .filter((o) => !rightProtocol(o))
      .map((o) => ({ text: o.gold.text, gold: o.gold.protocol, got: o.got?.protocol ?? '' })),
    wrong_category: caught
      .filter((o) => !rightCategory(o))
      .map((o) => ({ text: o.gold.text, gold: o.gold.category, got: o.got?.category ?? '' })),
  };
}

export function evaluateUrgency(cases: readonly UrgencyCase[], detect: Detect): UrgencyReport {
  return summarizeUrgency(scoreUrgency(cases, detect));
}
