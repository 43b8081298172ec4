/** A sentence with errors and its corrected form, the same length (character substitutions only). */
export interface AlignedPair {
  source: string;
  target: string;
}

export interface EditCounts {
  /** Characters changed to the target's character where the source was wrong. */
  correct: number;
  /** Characters the correction changed. */
  edited: number;
  /** Characters that were wrong in the source. */
  gold: number;
  /** Pairs whose output changed length: not scored, positions would not line up. */
  misaligned: number;
}

/** Character-level edit counts of `fix` on aligned pairs, for correction precision and recall. */
export function countEdits(pairs: readonly AlignedPair[], fix: (text: string) => string): EditCounts {
  const counts: EditCounts = { correct: 0, edited: 0, gold: 0, misaligned: 0 };
  for (const p of pairs) {
    const out = fix(p.source);
    if (out.length !== p.source.length) {
      counts.misaligned++;
      continue;
    }
    for (let i = 0; i < p.source.length; i++) {
      const wrong = p.source[i] !== p.target[i];
      const changed = out[i] !== p.source[i];
      counts.gold += Number(wrong);
      counts.edited += Number(changed);
      counts.correct += Number(wrong && changed && out[i] === p.target[i]);
    }
  }
  return counts;
}
