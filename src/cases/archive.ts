import { join } from 'node:path';
import { resolvePaths, type Config, type Logger } from '../config/index.js';
import type { Store } from '../store/index.js';
import { createAuditRepository, type AuditRepository } from '../store/audit-repository.js';
import { createFsBlobStore, type BlobStore } from '../store/blob-store.js';
import { createCaseRepository, type CaseRepository } from '../store/case-repository.js';
import type { TextNormalizer } from '../text/types.js';
import { createArchiveWriter, type ArchiveWriter } from './archive-writer.js';
import { createCaseService, type CaseService } from './case-service.js';
import { createRedactor } from './redaction.js';
import { createRetentionService, type RetentionService } from './retention.js';
import { createTrainingExport, type TrainingExport } from './training-export.js';

export interface ArchiveOptions {
  store: Store;
  config: Config;
  /** The text stage; its `redact` step decides what is personal data. */
  text: TextNormalizer;
  logger: Logger;
  /** Defaults to the filesystem store under `<dataDir>/audio`. */
  blobs?: BlobStore;
  /** Injected for tests (retention, expiry). */
  clock?: () => number;
}

export interface Archive {
  /** Pass to the live call pipeline: archives each call as it happens. */
  recorder: ArchiveWriter;
  cases: CaseService;
  retention: RetentionService;
  exports: TrainingExport;
  audit: AuditRepository;
  repository: CaseRepository;
  blobs: BlobStore;
}

/** Builds the cases stage and replays calls a crashed process left half-archived. */
export async function createArchive(options: ArchiveOptions): Promise<Archive> {
  const { store, config, logger } = options;
  const clock = options.clock ?? Date.now;
  const paths = resolvePaths(config);
  const blobs = options.blobs ?? createFsBlobStore(paths.audioDir);
  const audit = await createAuditRepository(store, clock);
  const repository = await createCaseRepository(store);
  const redact = createRedactor(options.text);
  const recorder = createArchiveWriter({
    cases: repository,
    audit,
    blobs,
    redact,
    logger,
    clock,
    journalDir: join(paths.dataDir, 'journal'),
  });
  await recorder.recover();
  return {
    recorder,
    cases: createCaseService({ cases: repository, audit, blobs, redact, clock }),
    retention: createRetentionService({ cases: repository, audit, blobs, config, logger, clock }),
    exports: createTrainingExport({ cases: repository, blobs, audit, redact }),
    audit,
    repository,
    blobs,
  };
}
