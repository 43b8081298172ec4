import { resolvePaths, type Config, type Logger } from '../config/index.js';
import {
  createCaseRepository,
  createConversationRepository,
  openBlobStore,
  type BlobStore,
  type CaseRepository,
  type ConversationRepository,
  type StorageHealth,
  type Store,
} from '../store/index.js';
import type { TextNormalizer } from '../text/index.js';
import { createArchiveWriter, type ArchiveWriter } from './archive-writer.js';
import type { CaseClaims } from './journal-recovery.js';
import { createAuditTrail, type AuditTrail } from './audit-trail.js';
import { createCaseService, type CaseService } from './case-service.js';
import { privateConversations } from './conversations.js';
import { createRedactor } from './redaction.js';
import { createRetentionService, type RetentionService } from './retention.js';
import { createTrainingExport, type TrainingExport } from './training-export.js';

export interface ArchiveOptions {
  store: Store;
  config: Config;
  /** The text stage; its `redact` step decides what is personal data. */
  text: TextNormalizer;
  logger: Logger;
  /** Defaults to the store the config names: a bucket (`HOTLINE_BLOB_URL`) or files under `<dataDir>/audio`. */
  blobs?: BlobStore;
  /** Injected for tests (retention, expiry). */
  clock?: () => number;
  /** Storage failures are reported here (`/readyz`), and no call starts while it is red. */
  health?: StorageHealth;
  /**
   * Replay call journals a killed process left and adopt orphan files: only for the process that
   * holds the data-dir lock (the server), never a CLI command running beside it. Default true.
   */
  recover?: boolean;
  /** For the replay: which cases this node may still reopen and end (a cluster's case leases). */
  claims?: CaseClaims;
}

export interface Archive {
  /** Pass to the live call pipeline: archives each call as it happens. */
  recorder: ArchiveWriter;
  cases: CaseService;
  retention: RetentionService;
  exports: TrainingExport;
  /** The keyed audit chain with its exported checkpoints. */
  audit: AuditTrail;
  repository: CaseRepository;
  blobs: BlobStore;
  /** Text-channel conversations, stored redacted; the conversation service uses this one. */
  conversations: ConversationRepository;
}

/** Builds the cases stage and replays calls a crashed process left half-archived. */
export async function createArchive(options: ArchiveOptions): Promise<Archive> {
  const { store, config, logger, health } = options;
  const clock = options.clock ?? Date.now;
  const paths = resolvePaths(config);
  const blobs = options.blobs ?? openBlobStore(config.store, paths.audioDir);
  const audit = await createAuditTrail({ store, config, logger, clock });
  const repository = await createCaseRepository(store);
  const redact = createRedactor(options.text);
  const conversations = privateConversations(await createConversationRepository(store), redact);
  const recorder = createArchiveWriter({
    cases: repository,
    audit,
    blobs,
    redact,
    logger,
    clock,
    journalDir: paths.journalDir,
    health,
    claims: options.claims,
  });
  if (options.recover !== false) {
    await recorder.recover();
    await recorder.sweepOrphans();
  }
  return {
    recorder,
    cases: createCaseService({ cases: repository, audit, blobs, redact, clock }),
    retention: createRetentionService({
      cases: repository,
      conversations,
      audit,
      blobs,
      store,
      config,
      logger,
      clock,
    }),
    exports: createTrainingExport({ cases: repository, blobs, audit, redact }),
    audit,
    repository,
    blobs,
    conversations,
  };
}
