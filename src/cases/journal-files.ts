import { constants } from 'node:fs';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';

/** One open journal file; every write goes to its end. */
export interface JournalFile {
  append(data: Uint8Array): Promise<void>;
  /** Empties the file, then writes `data` as its whole content. */
  rewrite(data: Uint8Array): Promise<void>;
  /** fsync: what was appended survives a power loss, not only a killed process. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The file system as the journal writer sees it: a port, so tests can count fsyncs or fail writes
 * the way a full disk does. Every operation runs off the event loop.
 */
export interface JournalFileSystem {
  /**
   * Opens (creating it, keeping what it holds) for appending. `durable`: every append is on disk
   * when it resolves (O_DSYNC), so `sync` has nothing left to wait for — one thread-pool step where
   * a write and an fsync are two, each waiting for a turn of a busy event loop.
   */
  open(path: string, options?: { durable?: boolean }): Promise<JournalFile>;
  mkdir(dir: string): Promise<void>;
  remove(path: string): Promise<void>;
}

const DURABLE_APPEND = constants.O_DSYNC
  ? constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_DSYNC
  : null; // a platform without O_DSYNC: appends, then an fsync

function handleFile(handle: FileHandle, durable: boolean): JournalFile {
  return {
    // Opened with O_APPEND: a write after a truncate lands at the new end, never past it.
    append: async (data) => {
      await handle.appendFile(data);
    },
    rewrite: async (data) => {
      await handle.truncate(0);
      await handle.appendFile(data);
    },
    sync: () => (durable ? Promise.resolve() : handle.sync()),
    close: () => handle.close(),
  };
}

export const nodeJournalFiles: JournalFileSystem = {
  open: async (path, options) => {
    const durable = options?.durable === true && DURABLE_APPEND !== null;
    return handleFile(await open(path, durable ? (DURABLE_APPEND as number) : 'a'), durable);
  },
  mkdir: async (dir) => {
    await mkdir(dir, { recursive: true });
  },
  remove: (path) => rm(path, { force: true }),
};
