import { closeSync, fsyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Store } from './database.js';
import { migrateDomain } from './migrations/index.js';

/** Filesystem errors that mean the disk cannot take our data now (full, read-only, failing). */
const FS_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EFBIG', 'ENFILE', 'EMFILE']);
/** Network errors of a database connection, and an object store that refused or could not be reached. */
const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'blob_store_failed',
]);

/**
 * Whether `err` is the storage failing (disk full, I/O error, read-only, the database down) rather
 * than bad input: such errors are answered `503 storage_unavailable` and turn `/readyz` red.
 */
export function isStorageError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = String((err as { code?: unknown }).code ?? '');
  if (FS_CODES.has(code) || NET_CODES.has(code)) return true;
  // better-sqlite3: SQLITE_FULL, SQLITE_IOERR_*, SQLITE_READONLY_*, SQLITE_CANTOPEN, SQLITE_BUSY (locked past busy_timeout).
  if (/^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|BUSY|CORRUPT|NOTADB)/.test(code)) return true;
  // PostgreSQL SQLSTATE: 08 connection, 53 insufficient resources (disk full), 57P operator shutdown, 58 system I/O.
  if (/^(08|53|57P|58)[0-9A-Z]{2,3}$/.test(code)) return true;
  const message = String((err as { message?: unknown }).message ?? '');
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(message);
}

export class StorageUnavailableError extends Error {
  readonly code = 'storage_unavailable';
  constructor(message = 'storage is unavailable (disk full or failing); nothing was stored') {
    super(message);
  }
}

export interface StorageHealth {
  /** False from the first storage failure until a probe writes to both disk and database again. */
  ok(): boolean;
  /** What failed last, for `/readyz` and logs. */
  reason(): string | null;
  /** Reports an error; returns whether it was a storage failure (and so recorded). */
  report(err: unknown, where: string): boolean;
  /** Writes a probe to the data dir and the database; recovers health when both succeed. */
  probe(): Promise<boolean>;
  /** Probes every `intervalMs` while unhealthy; returns a stop function. */
  watch(intervalMs?: number): () => void;
}

const PROBE_BYTES = 64 * 1024;

/**
 * Storage health of one process: any component that fails to write reports here, `/readyz` reads
 * it, and new calls are refused while it is red. A probe (a fsynced 64 KiB file in the data dir and
 * a database write) turns it green again once space is back.
 */
export async function createStorageHealth(options: {
  dataDir: string;
  store: Store | null;
  onChange?: (ok: boolean, reason: string | null) => void;
}): Promise<StorageHealth> {
  if (options.store) await migrateDomain(options.store, 'storage_probe');
  let failure: string | null = null;
  const set = (next: string | null) => {
    const changed = (next === null) !== (failure === null);
    failure = next;
    if (changed) options.onChange?.(next === null, next);
  };
  const probeDisk = () => {
    mkdirSync(options.dataDir, { recursive: true });
    const path = join(options.dataDir, `.storage-probe-${process.pid}`);
    try {
      const fd = openSync(path, 'w');
      try {
        writeSync(fd, Buffer.alloc(PROBE_BYTES));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } finally {
      rmSync(path, { force: true });
    }
  };
  const probeDatabase = async () => {
    const store = options.store;
    if (!store) return;
    // A write, not `select 1`: a full disk still answers reads.
    await sql`update storage_probe set at = ${Date.now()} where id = 1`.execute(store.db);
  };

  const health: StorageHealth = {
    ok: () => failure === null,
    reason: () => failure,
    report(err, where) {
      if (!isStorageError(err)) return false;
      set(`${where}: ${(err as Error).message}`);
      return true;
    },
    async probe() {
      try {
        probeDisk();
        await probeDatabase();
        set(null);
        return true;
      } catch (err) {
        if (!health.report(err, 'probe')) set(`probe: ${(err as Error).message}`);
        return false;
      }
    },
    watch(intervalMs = 2_000) {
      const timer = setInterval(() => {
        if (failure !== null) void health.probe();
      }, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
  return health;
}
