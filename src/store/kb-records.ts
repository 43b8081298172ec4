import type { Kysely, Transaction } from 'kysely';

/**
 * Knowledge bases as versioned snapshots. Entry contents are stored once per content hash; a version
 * is the set (entry id → content hash) it contains, so an import of 5,000 entries where 3 changed
 * stores 3 new contents, and a rollback is a new version copying an old version's set.
 */
export type KbTables = {
  kb_bases: { name: string; active_version: number; created_at: number };
  kb_versions: KbVersionSummary & {
    kind: string;
    /** JSON: { added: ids[], changed: ids[], removed: ids[] } (first 50 of each). */
    diff_ids: string;
    /** JSON array of the admin vocabulary terms in force at this version (null before it existed). */
    vocabulary: string | null;
  };
  kb_contents: { hash: string; data: string };
  kb_version_entries: { kb: string; version: number; entry_id: string; hash: string };
};

/** One FAQ entry as stored; the knowledge stage's `FaqEntry` is this type (the store sits below it). */
export interface KbEntryRecord {
  id: string;
  question: string;
  answer: string;
  /** Short agency name, e.g. 社會局. */
  agency: string;
  /** The unit that maintains the entry, e.g. 臺北市政府社會局婦女福利及兒童托育科 (hand-offs go there). */
  maintainer?: string;
  url?: string;
  tags: string[];
  /** Fixed tier set by an editor; otherwise decided per query. */
  tier?: 'hot' | 'cold' | 'procedure' | null;
  updated?: string;
  /** Similar questions (相似問法): how citizens actually ask what this entry answers. */
  phrasings?: KbPhrasing[];
}

/** One similar question of an entry. */
export interface KbPhrasing {
  text: string;
  /** Who wrote it: shipped with the KB (`authored`), an editor, or an agent's adopted call utterance. */
  source: 'authored' | 'editor' | 'agent';
  /** Only `approved` phrasings are searched; `review` marks one written for an older wording of the entry. */
  status: 'approved' | 'pending' | 'review';
  /** Hash of the question and answer it was written for (see `phrasingBasis`). */
  written_for: string;
}

export type KbVersionKind = 'import' | 'edit' | 'rollback' | 'vocabulary';

/** A colloquial → official vocabulary term an admin added to a KB (versioned with it). */
export interface KbVocabularyTerm {
  colloquial: string;
  official: string[];
}

/** What a version row and a returned version have in common. */
interface KbVersionSummary {
  kb: string;
  version: number;
  /** The version a rollback restored; null otherwise. */
  restored_from: number | null;
  note: string | null;
  entry_count: number;
  added: number;
  changed: number;
  removed: number;
  /** ms since epoch */
  created_at: number;
}

export interface KbVersion extends KbVersionSummary {
  kind: KbVersionKind;
  diff: { added: string[]; changed: string[]; removed: string[] };
  /** Admin vocabulary terms of this version. */
  vocabulary: KbVocabularyTerm[];
}

export interface KbInfo {
  name: string;
  active_version: number;
}

export interface CommitResult {
  version: KbVersion;
  /** False when the snapshot equals the active version: nothing was recorded. */
  created: boolean;
}

export class KbRepositoryError extends Error {
  constructor(
    readonly code: 'unknown_kb' | 'unknown_version',
    message: string,
  ) {
    super(message);
  }
}

export type KbDb = Kysely<KbTables> | Transaction<KbTables>;

export function toVersion(row: KbTables['kb_versions']): KbVersion {
  return {
    kb: row.kb,
    version: Number(row.version),
    kind: row.kind as KbVersionKind,
    restored_from: row.restored_from === null ? null : Number(row.restored_from),
    note: row.note,
    entry_count: Number(row.entry_count),
    added: Number(row.added),
    changed: Number(row.changed),
    removed: Number(row.removed),
    diff: JSON.parse(row.diff_ids) as KbVersion['diff'],
    created_at: Number(row.created_at),
    vocabulary: row.vocabulary ? (JSON.parse(row.vocabulary) as KbVocabularyTerm[]) : [],
  };
}

export function toInfo(row: { name: string; active_version: number }): KbInfo {
  return { name: row.name, active_version: Number(row.active_version) };
}
