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
  /** Opens (creating it, keeping what it holds) for appending. */
  open(path: string): Promise<JournalFile>;
  mkdir(dir: string): Promise<void>;
  remove(path: string): Promise<void>;
}

function handleFile(handle: FileHandle): JournalFile {
  return {
    // Opened with O_APPEND: a write after a truncate lands at the new end, never past it.
    append: async (data) => {
      await handle.appendFile(data);
    },
    rewrite: async (data) => {
      await handle.truncate(0);
      await handle.appendFile(data);
    },
    sync: () => handle.sync(),
    close: () => handle.close(),
  };
}

export const nodeJournalFiles: JournalFileSystem = {
  open: async (path) => handleFile(await open(path, 'a')),
  mkdir: async (dir) => {
    await mkdir(dir, { recursive: true });
  },
  remove: (path) => rm(path, { force: true }),
};
