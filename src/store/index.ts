/**
 * The store's front door: other rooms import persistence from here only. Each repository owns its
 * tables (declared once, in its `*-records`/`*-rows` module) and its versioned migrations
 * (`migrations/`); what is exported below is the whole surface.
 */
export { openStore, type Store, type Dialect, type OpenStoreOptions } from './database.js';
export { lockDataDir, DataDirLockedError, type DataDirLock } from './data-dir-lock.js';
export {
  createStorageHealth,
  isStorageError,
  StorageUnavailableError,
  type StorageHealth,
} from './storage-health.js';
export { createFsBlobStore, BlobError, sha256Hex, type BlobStore, type StoredBlob } from './blob-store.js';
export { openBlobStore, type BlobSettings } from './open-blob-store.js';

export {
  createAuditRepository,
  type AuditRepository,
  type AuditRepositoryOptions,
} from './audit-repository.js';
export { auditKeyFrom, AuditKeyMismatchError, type AuditKey } from './audit-chain.js';
export {
  auditEntry,
  type AuditActor,
  type AuditBreak,
  type AuditCheckpoint,
  type AuditEntry,
  type AuditInput,
  type AuditQuery,
  type AuditVerification,
} from './audit-records.js';

export { createCaseRepository, type CaseRepository } from './case-repository.js';
export type { CaseRetentionQueries } from './case-retention-queries.js';
export type { CaseExportQueries } from './case-export-queries.js';
export type {
  CaseRow,
  CaseSearch,
  CaseStatus,
  DataClass,
  FeedbackRow,
  HistoryRow,
  SegmentRow,
  SuggestionRow,
  UtteranceRow,
} from './case-rows.js';
export {
  createCaseNumberRepository,
  CASE_NO,
  taipeiDay,
  type CaseNumberRepository,
} from './case-number-repository.js';
export {
  createCaseSystemRepository,
  normalizeCaseNo,
  DemoCaseError,
  type CaseSystemRepository,
  type DemoCase,
  type DemoCaseInput,
} from './case-system-repository.js';
export {
  createConversationRepository,
  type ConversationOwner,
  type ConversationRepository,
  type ConversationRow,
  type TurnInput,
  type TurnRow,
} from './conversation-repository.js';
export {
  createUserRepository,
  type TokenKind,
  type TokenRecord,
  type UserRecord,
  type UserRepository,
} from './user-repository.js';

export { createKbRepository, contentHash, type KbRepository } from './kb-repository.js';
export {
  KbRepositoryError,
  type CommitResult,
  type KbEntryRecord,
  type KbInfo,
  type KbPhrasing,
  type KbVersion,
  type KbVersionKind,
  type KbVocabularyTerm,
} from './kb-records.js';
export {
  createKbLearningRepository,
  learnedId,
  type KbLearningRepository,
  type LearnedPhrasingRow,
  type LearnedStatus,
} from './kb-learning-repository.js';
export { createKbVectorRepository, type KbVectorRepository } from './kb-vector-repository.js';
