import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';

export class DataDirLockedError extends Error {
  readonly code = 'data_dir_in_use';
}

export interface DataDirLock {
  release(): void;
}

/**
 * One server process per data directory: it replays and deletes call journals, sweeps temp and
 * orphan files, and would break a live call of another process doing the same. The lock is an
 * exclusive SQLite lock (an OS file lock), so the kernel releases it when the holder dies, even
 * on SIGKILL; a side file names the holder for the refusal message.
 */
export function lockDataDir(lockFile: string, dataDir: string): DataDirLock {
  mkdirSync(dirname(lockFile), { recursive: true });
  const db = new SQLite(lockFile, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
    throw new DataDirLockedError(
      `data directory ${dataDir} is in use by another Hotline Assist server${holder(lockFile)}; stop it first, or give this one its own HOTLINE_DATA_DIR`,
    );
  }
  const info = `${lockFile}.holder`;
  writeFileSync(
    info,
    JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }),
  );
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      rmSync(info, { force: true });
      db.close();
    },
  };
}

function holder(lockFile: string): string {
  try {
    const h = JSON.parse(readFileSync(`${lockFile}.holder`, 'utf8')) as {
      pid: number;
      host: string;
      since: string;
    };
    return ` (pid ${h.pid} on ${h.host}, since ${h.since})`;
  } catch {
    return '';
  }
}
