/**
 * What suggest needs of storage, declared here and filled by the app from the store: suggest never
 * opens a database, so it is tested with plain objects and the store may change underneath it.
 */

/** Who opened a text conversation: only they read or continue it. */
export interface ConversationOwner {
  id: string;
  role: string;
}

export interface StoredConversation {
  id: string;
  kb: string | null;
  /** Null only for conversations stored before owners were recorded. */
  owner: ConversationOwner | null;
}

export interface ConversationTurnInput {
  role: 'user' | 'assistant';
  text: string;
  tier?: string | null;
  faq_ids?: string[];
}

export interface StoredTurn {
  role: 'user' | 'assistant';
  text: string;
  tier: string | null;
  faq_ids: string[];
  /** ms since epoch */
  created_at: number;
}

/** Where text conversations and their turns are kept (redacted and purged by the archive's retention). */
export interface ConversationLog {
  create(id: string, kb: string | null, now?: number, owner?: ConversationOwner): Promise<unknown>;
  get(id: string): Promise<StoredConversation | null>;
  /** A question and its answer land together or not at all. */
  append(id: string, turns: readonly ConversationTurnInput[], now?: number): Promise<void>;
  turns(id: string): Promise<StoredTurn[]>;
}

/** A case of the embedded demo case system as stored (`updated_at` in ms since epoch). */
export interface DemoCaseRow {
  case_no: string;
  status: string;
  agency: string;
  summary: string | null;
  updated_at: number;
}

/** The embedded demo case system's cases (the city's real one is reached over HTTP). */
export interface DemoCaseRecords {
  get(caseNo: string): Promise<DemoCaseRow | null>;
}
