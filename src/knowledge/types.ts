import type { AgencyContact, FaqCandidate, Tier } from '../protocol/index.js';
import type { KbEntryRecord, KbPhrasing } from '../store/index.js';

export type { AgencyContact, FaqCandidate, Tier };

/** One FAQ entry `{id, question, answer, agency, maintainer?, url?, tags, tier?, updated?}`, as the store keeps it. */
export type FaqEntry = KbEntryRecord;
/** A similar question (相似問法) of an entry. */
export type Phrasing = KbPhrasing;

export interface SearchOptions {
  k?: number;
  kb?: string;
  agency?: string;
  /** Candidates scoring below this are left out (default 0: every candidate up to k is shown). */
  minScore?: number;
  /** Also return each card's confidence features (for fitting the calibration). */
  features?: boolean;
}

/** One weighted piece of a query, e.g. one of a call's recent utterances (see `buildCallQuery`). */
export interface QueryPart {
  text: string;
  weight: number;
}

/** The agency responsible for what a query asks, as the KB-trained router sees it. */
export interface AgencyGuess {
  agency: string;
  /** Posterior probability under the router (0..1). */
  confidence: number;
}

export interface SearchResult {
  kb: string;
  kb_version: number;
  took_ms: number;
  /** Best first; `score` in 0..1. */
  results: FaqCandidate[];
  /** Tier of the query as a whole: hot (answer directly), cold (hand off), procedure (ask the tools). */
  tier: Tier;
  /** For `cold`: who to route the citizen to (never the 1999 line itself; at most a transfer inside it). */
  handoff: AgencyContact | null;
  /** The responsible agency for the query (router over the KB's labels), when the KB has any. */
  agency: AgencyGuess | null;
  /** With `features`: each card's confidence features (see `CONFIDENCE_FEATURES`). */
  features?: number[][];
}

export interface KbUpdate {
  kb: string;
  version: number;
}

/** What the suggestion stage and the call pipeline need from the knowledge stage. */
export interface KnowledgeSearch {
  /** A text, or weighted parts (a call's recent utterances from `buildCallQuery`). */
  search(query: string | readonly QueryPart[], options?: SearchOptions): SearchResult;
  /** `search` with the dense channel when an embeddings endpoint serves this KB (finals use it). */
  searchAsync?(query: string | readonly QueryPart[], options?: SearchOptions): Promise<SearchResult>;
  /** Called after an import/rollback swapped in a new version; returns an unsubscribe function. */
  onUpdated(listener: (update: KbUpdate) => void): () => void;
  /** Contact record (phone, hours) of an agency, for hand-offs. */
  agencyContact(agency: string): AgencyContact | null;
}
