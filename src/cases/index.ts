export { createArchive, type Archive, type ArchiveOptions } from './archive.js';
export {
  createAuthService,
  type AuthService,
  type AuthServiceOptions,
  type Actor,
  type PublicUser,
  type PublicToken,
  type SignIn,
} from './auth-service.js';
export type { ArchiveWriter } from './archive-writer.js';
export type { CaseService, CaseView, CaseSummary, Viewer } from './case-service.js';
export type { RetentionService, PurgeReport, RetentionPolicy } from './retention.js';
export type { TrainingExport, ExportReport } from './training-export.js';
export { CaseError, type CaseErrorKind } from './errors.js';
