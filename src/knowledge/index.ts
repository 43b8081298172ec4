export * from './types.js';
export {
  createKnowledgeService,
  type KnowledgeService,
  type KnowledgeServiceOptions,
  type ImportOptions,
  type ImportResult,
  type KbSummary,
  type KbVersion,
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
