export type {
  AssistUtterance,
  CallAssistant,
  CallAssistantContext,
  CallAssistantFactory,
  CaseRecord,
  CaseSystem,
  SuggestionBody,
} from './types.js';
export { CaseSystemError } from './types.js';
export { createCallAssistantFactory, type CallAssistantFactoryOptions } from './assistant.js';
export {
  createCaseSystem,
  createHttpCaseSystem,
  createDemoCaseSystem,
  type HttpCaseSystemOptions,
} from './case-system.js';
export {
  createConversationService,
  ConversationError,
  type ConversationService,
  type ConversationServiceOptions,
  type ConversationAnswer,
  type ConversationTurn,
} from './conversation.js';
export { callContextQuery, type QueryBuilder } from './call-context.js';
export { buildTemplateScript, type ReplyScript } from './template.js';
export { detectUrgency, type Urgency, type UrgencyCategory } from './urgency.js';
export { questionType, extractCaseNumber, type QuestionType } from './intent.js';
export { extractFacts, unsupportedFacts } from './facts.js';
export type {
  ConversationLog,
  ConversationOwner,
  ConversationTurnInput,
  DemoCaseRecords,
  DemoCaseRow,
  StoredConversation,
  StoredTurn,
} from './ports.js';
