import type { TextEdit } from './types.js';

/** One change a step makes, in the coordinates of the text the step was given. */
export interface Replacement {
  start: number;
  end: number;
  text: string;
  kind: string;
}

interface Span {
  start: number;
  end: number;
}

const overlaps = (a: Span, b: Span): boolean =>
  a.start < b.end && b.start < a.end
    ? true
    : // an insertion or deletion point strictly inside the other span
      (a.start === a.end && b.start < a.start && a.start < b.end) ||
      (b.start === b.end && a.start < b.start && b.start < a.end) ||
      (a.start === a.end && b.start === b.end && a.start === b.start);

/**
 * The text being normalized plus every edit made so far, kept in the current text's coordinates.
 * Each step hands in its replacements; overlapping edits of different steps merge into one whose
 * `original` is what the caller said there, so the desktop can undo any edit with one splice.
 */
export class Draft {
  text: string;
  edits: TextEdit[] = [];
  private readonly steps: Replacement[][] = [];

  constructor(readonly raw: string) {
    this.text = raw;
  }

  /**
   * Applies non-overlapping replacements. `record: false` (redaction) drops the edits it touches
   * instead of merging, so no original survives under a placeholder.
   */
  apply(replacements: readonly Replacement[], record = true): void {
    if (replacements.length === 0) return;
    const sorted = [...replacements].sort((a, b) => a.start - b.start || a.end - b.end);
    const old = this.text;
    let out = '';
    let pos = 0;
    for (const r of sorted) {
      out += old.slice(pos, r.start) + r.text;
      pos = r.end;
    }
    out += old.slice(pos);

    // Cluster new replacements with the old edits they touch.
    type Item = { span: Span; r?: Replacement; e?: TextEdit };
    const items: Item[] = [
      ...sorted.map((r) => ({ span: r, r })),
      ...this.edits.map((e) => ({ span: e as Span, e })),
    ].sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
    const clusters: Item[][] = [];
    for (const item of items) {
      const last = clusters.at(-1);
      if (last && last.some((x) => overlaps(x.span, item.span))) last.push(item);
      else clusters.push([item]);
    }

    const shiftBefore = (p: number): number => {
      let d = 0;
      for (const r of sorted) {
        if (r.end <= p && !(r.start === r.end && r.start === p)) d += r.text.length - (r.end - r.start);
        else break;
      }
      return d;
    };
    const next: TextEdit[] = [];
    for (const cluster of clusters) {
      const news = cluster.filter((x) => x.r).map((x) => x.r as Replacement);
      const olds = cluster.filter((x) => x.e).map((x) => x.e as TextEdit);
      if (news.length === 0) {
        for (const e of olds) {
          const d = shiftBefore(e.start);
          next.push({ ...e, start: e.start + d, end: e.end + d });
        }
        continue;
      }
      if (!record) continue;
      const cs = Math.min(...cluster.map((x) => x.span.start));
      const ce = Math.max(...cluster.map((x) => x.span.end));
      const start = cs + shiftBefore(cs);
      const end = start + (ce - cs) + news.reduce((d, r) => d + r.text.length - (r.end - r.start), 0);
      let original = '';
      let p = cs;
      for (const e of olds) {
        original += old.slice(p, e.start) + e.original;
        p = e.end;
      }
      original += old.slice(p, ce);
      const replacement = out.slice(start, end);
      if (original === replacement) continue;
      const kinds = [...new Set([...olds.map((e) => e.kind), ...news.map((r) => r.kind)])];
      next.push({ start, end, original, replacement, kind: kinds.join('+') });
    }
    this.text = out;
    this.edits = next.sort((a, b) => a.start - b.start);
    this.steps.push(sorted);
  }

  /** Where an offset of the raw text ended up in the current text (used to place pause punctuation). */
  mapRaw(offset: number): number {
    let p = offset;
    for (const step of this.steps) {
      let d = 0;
      for (const r of step) {
        if (r.end <= p && !(r.start === r.end && r.start === p)) d += r.text.length - (r.end - r.start);
        else if (r.start < p && p < r.end) {
          d += r.start + r.text.length - p;
          break;
        } else break;
      }
      p += d;
    }
    return p;
  }
}
