import { readFileSync } from 'node:fs';
import { KnowledgeError } from './errors.js';
import { canonicalize } from './normalize.js';

/** One reviewed mapping: what callers say → the wording the knowledge base uses. */
export interface VocabularyTerm {
  colloquial: string;
  official: string[];
}

/**
 * Colloquial → official vocabulary (老人卡 → 敬老卡, 年假 → 特別休假, 舊沙發 → 巨大垃圾). A caller's word
 * adds the official wording to the query beside it (it never replaces it: the caller's own word may be
 * in the KB too). Both sides are kept in the index's canonical form.
 */
export class Vocabulary {
  private readonly byTerm: Map<string, string[]>;
  /** Colloquial terms, longest first, so 舊沙發 is found before 沙發. */
  private readonly ordered: string[];

  constructor(terms: readonly VocabularyTerm[]) {
    this.byTerm = new Map();
    for (const t of terms) {
      const colloquial = canonicalize(t.colloquial);
      const official = t.official.map(canonicalize).filter((o) => o && o !== colloquial);
      if (colloquial.length < 2 || official.length === 0) continue;
      const merged = new Set([...(this.byTerm.get(colloquial) ?? []), ...official]);
      this.byTerm.set(colloquial, [...merged]);
    }
    this.ordered = [...this.byTerm.keys()].sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.byTerm.size;
  }

  /** Every mapping, as loaded (canonical form). */
  terms(): VocabularyTerm[] {
    return [...this.byTerm].map(([colloquial, official]) => ({ colloquial, official }));
  }

  /**
   * Official terms for the colloquial words in a canonical text, each with the word that brought it.
   * A colloquial word inside a longer one already matched is not matched again.
   */
  expand(canonicalText: string): Array<{ official: string; from: string }> {
    const out: Array<{ official: string; from: string }> = [];
    const taken = new Uint8Array(canonicalText.length);
    for (const colloquial of this.ordered) {
      let at = canonicalText.indexOf(colloquial);
      while (at >= 0) {
        let free = true;
        for (let i = at; i < at + colloquial.length; i++) if (taken[i]) free = false;
        if (free) {
          taken.fill(1, at, at + colloquial.length);
          for (const official of this.byTerm.get(colloquial) ?? []) {
            if (!canonicalText.includes(official)) out.push({ official, from: colloquial });
          }
        }
        at = canonicalText.indexOf(colloquial, at + 1);
      }
    }
    return out;
  }

  /** This vocabulary plus more terms (admin additions override nothing; they add). */
  with(terms: readonly VocabularyTerm[]): Vocabulary {
    return new Vocabulary([...this.terms(), ...terms]);
  }
}

/**
 * Parses the vocabulary TSV: `colloquial<TAB>official|official…`, `#` comments and blank lines
 * ignored. A malformed line rejects the file with its line number.
 */
export function parseVocabulary(body: string, where = 'vocabulary'): VocabularyTerm[] {
  const out: VocabularyTerm[] = [];
  body.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (!line.trim() || line.startsWith('#')) return;
    const [colloquial, official] = line.split('\t');
    const targets = (official ?? '')
      .split('|')
      .map((s) => s.trim())
      .filter(Boolean);
    if (!colloquial?.trim() || targets.length === 0) {
      throw new KnowledgeError(
        'invalid_vocabulary',
        `${where} line ${i + 1}: expected "colloquial<TAB>official|official"`,
      );
    }
    out.push({ colloquial: colloquial.trim(), official: targets });
  });
  return out;
}

export function loadVocabularyFile(file: string): VocabularyTerm[] {
  return parseVocabulary(readFileSync(file, 'utf8'), file);
}
