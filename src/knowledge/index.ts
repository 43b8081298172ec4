export * from './types.js';
export {
  createKnowledgeService,
  type KnowledgeService,
  type KnowledgeServiceOptions,
  type ImportOptions,
  type ImportResult,
  type KbSummary,
  type KbVersion,
  type Actor,
  type KnowledgeAudit,
  type KnowledgeText,
} from './service.js';
export { buildCallQuery, type CallUtterance, type CallQueryOptions } from './call-query.js';
export { KnowledgeError, type KnowledgeErrorCode } from './errors.js';
export {
  parseEntries,
  parseColumnMap,
  entryFields,
  type EntryField,
  type ImportFormat,
  type ParseOptions,
} from './import-format.js';
export { isProcedureQuestion } from './tiers.js';
export { domainSynonyms } from './synonyms.js';
export { trainAgencyRouter, type AgencyRouter, type LabelledEntry } from './agency-router.js';
export { Vocabulary, parseVocabulary, type VocabularyTerm } from './vocabulary.js';
export { phrasingBasis, indexedPhrasings } from './phrasings.js';
export { readSeed } from './seed.js';
export { exportEntries } from './export-format.js';
export type { KnowledgeEditing } from './editing.js';
export type { LearnedPhrasing, FeedbackAction } from './learning.js';
