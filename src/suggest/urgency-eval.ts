/**
 * How well the urgency detector does on a labelled set of caller turns, as `eval urgency` and the
 * tests report it: finals, and the partials a streaming recognizer would send before them.
 */
import { urgencyCategories, type UrgencyCategory } from './urgency-categories.js';
import type { UrgencyCase } from './urgency-set.js';
import type { DetectOptions, Urgency } from './urgency.js';

type Detect = (text: string, options?: DetectOptions) => Urgency | null;

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
}

const ratio = (a: number, b: number): number | null => (b ? Math.round((a / b) * 1000) / 1000 : null);

/** Prefixes a streaming recognizer would show, a few characters apart, ending before the full text. */
function partialsOf(text: string): string[] {
  const out: string[] = [];
  for (let end = 4; end < text.length; end += 3) out.push(text.slice(0, end));
  return out;
}

export function evaluateUrgency(cases: readonly UrgencyCase[], detect: Detect): UrgencyReport {
  const results = cases.map((c) => ({ c, got: detect(c.text) }));
  const urgent = results.filter((r) => r.c.urgent);
  const ordinary = results.filter((r) => !r.c.urgent);
  const caught = urgent.filter((r) => r.got !== null);
  const alarms = ordinary.filter((r) => r.got !== null);
  const alerts = results.filter((r) => r.got !== null);
  const partialHit = (text: string) => partialsOf(text).some((p) => detect(p, { partial: true }) !== null);

  const per_category: Record<string, CategoryReport> = {};
  for (const category of urgencyCategories) {
    const rows = urgent.filter((r) => r.c.category === category);
    if (rows.length === 0) continue;
    const hit = rows.filter((r) => r.got !== null);
    per_category[category] = {
      n: rows.length,
      recall: ratio(hit.length, rows.length),
      protocol_accuracy: ratio(hit.filter((r) => r.got?.protocol === r.c.protocol).length, hit.length),
      category_accuracy: ratio(hit.filter((r) => r.got?.category === r.c.category).length, hit.length),
    };
  }
  return {
    turns: cases.length,
    urgent: urgent.length,
    ordinary: ordinary.length,
    precision: ratio(alerts.filter((r) => r.c.urgent).length, alerts.length),
    recall: ratio(caught.length, urgent.length),
    false_alarm_rate: ratio(alarms.length, ordinary.length),
    false_alarms: alarms.length,
    protocol_accuracy: ratio(caught.filter((r) => r.got?.protocol === r.c.protocol).length, caught.length),
    category_accuracy: ratio(caught.filter((r) => r.got?.category === r.c.category).length, caught.length),
    partials: {
      alerted_before_final: ratio(urgent.filter((r) => partialHit(r.c.text)).length, urgent.length),
      false_alarm_rate: ratio(ordinary.filter((r) => partialHit(r.c.text)).length, ordinary.length),
    },
    per_category,
    missed: urgent.filter((r) => r.got === null).map((r) => ({ text: r.c.text, category: r.c.category })),
    false_alarm_turns: alarms.map((r) => ({ text: r.c.text, reason: r.got?.reason ?? '' })),
    wrong_protocol: caught
      .filter((r) => r.got?.protocol !== r.c.protocol)
      .map((r) => ({ text: r.c.text, gold: r.c.protocol, got: r.got?.protocol ?? '' })),
  };
}

/** Category confusions among caught urgent turns, for tuning: gold → got. */
export function confusions(
  cases: readonly UrgencyCase[],
  detect: Detect,
): Array<{ text: string; gold: UrgencyCategory | 'none'; got: UrgencyCategory }> {
  return cases.flatMap((c) => {
    const got = detect(c.text);
    return c.urgent && got && got.category !== c.category
      ? [{ text: c.text, gold: c.category, got: got.category }]
      : [];
  });
}
