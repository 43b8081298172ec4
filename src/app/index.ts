export {
  buildApp,
  openDataStore,
  type App,
  type AppOverrides,
  type CommandApp,
  type CommandOverrides,
} from './build.js';
export type { CallStage } from './call-stages.js';
export { textFollowsKnowledge, type TextFollowsKnowledgeOptions } from './text-follows-knowledge.js';
