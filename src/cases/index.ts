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
export type { CaseService } from './case-service.js';
export type { CaseView, CaseSummary } from './case-view.js';
export type { Viewer } from './case-access.js';
export type { RetentionService, PurgeReport, RetentionPolicy } from './retention.js';
export type { TrainingExport, ExportReport } from './training-export.js';
export { CaseError, type CaseErrorKind } from './errors.js';
export { caseRecordBody, type CaseRecordBody } from './record-schema.js';
