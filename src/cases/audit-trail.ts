import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { resolvePaths, type Config, type Logger } from '../config/index.js';
import {
  auditKeyFrom,
  createAuditRepository,
  type AuditCheckpoint,
  type AuditKey,
  type AuditRepository,
  type AuditVerification,
  type Store,
} from '../store/index.js';

/**
 * The audit log as the rest of the product uses it: the keyed chain in the database plus signed
 * checkpoints exported outside it (a JSONL file and a log line). `verify()` checks the chain
 * against every checkpoint, so cutting the tail or rewriting the table shows even between runs.
 */
export interface AuditTrail extends AuditRepository {
  /** Chain and exported checkpoints together. */
  verify(): Promise<AuditVerification>;
  /** Appends a signed checkpoint of the head to the checkpoint file (fsynced) and the log. */
  writeCheckpoint(): Promise<AuditCheckpoint>;
  /** Writes a checkpoint every `audit.checkpointSeconds` while the chain grows; returns a stop function. */
  scheduleCheckpoints(): () => void;
}

export class AuditKeyError extends Error {
  readonly code = 'invalid_audit_key';
}

/** The key from `HOTLINE_AUDIT_KEY`, else the key file, created (0600) with 32 random bytes at first start. */
export function loadAuditKey(config: Config): AuditKey {
  if (config.audit.key) return auditKeyFrom(decodeKey(config.audit.key, 'HOTLINE_AUDIT_KEY'));
  const file = resolvePaths(config).auditKeyFile;
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    try {
      // `wx`: two processes starting at once never overwrite each other's key.
      writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
      syncFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return auditKeyFrom(decodeKey(readFileSync(file, 'utf8').trim(), file));
}

function decodeKey(text: string, where: string): Uint8Array {
  const bytes = /^(?:[0-9a-f]{2}){32,}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (bytes.byteLength < 32)
    throw new AuditKeyError(`the audit key in ${where} must be at least 32 bytes, base64 or hex`);
  return bytes;
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Checkpoints in the file; a torn last line (killed mid-write) is skipped, any other bad line is kept as forged. */
export function readCheckpoints(file: string): AuditCheckpoint[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: AuditCheckpoint[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as AuditCheckpoint);
    } catch {
      if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l.trim()))
        out.push({ seq: -1, hash: '', anchorSeq: -1, ts: 0, keyId: '', mac: 'unreadable line' });
    }
  });
  return out;
}

export interface AuditTrailOptions {
  store: Store;
  config: Config;
  logger: Logger;
  clock?: () => number;
}

export async function createAuditTrail(options: AuditTrailOptions): Promise<AuditTrail> {
  const { store, config, logger } = options;
  const file = resolvePaths(config).auditCheckpointFile;
  const repository = await createAuditRepository(store, { key: loadAuditKey(config), clock: options.clock });
  let lastSeq: number | null = null;

  const writeCheckpoint = async (): Promise<AuditCheckpoint> => {
    const checkpoint = await repository.checkpoint();
    mkdirSync(dirname(file), { recursive: true });
    const fd = openSync(file, 'a', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(checkpoint)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    lastSeq = checkpoint.seq;
    logger.info({ audit_checkpoint: checkpoint }, 'audit checkpoint');
    return checkpoint;
  };

  return {
    ...repository,
    verify: () => repository.verify(readCheckpoints(file)),
    writeCheckpoint,
    scheduleCheckpoints() {
      const timer = setInterval(() => {
        void repository
          .checkpoint()
          .then((head) => (head.seq !== lastSeq ? writeCheckpoint() : null))
          .catch((err: unknown) => logger.error({ err }, 'audit: checkpoint not written'));
      }, config.audit.checkpointSeconds * 1000);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
