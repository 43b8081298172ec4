import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  rmdirSync,
  rmSync,
  readdirSync,
} from 'node:fs';
import { link, mkdir, open, readFile, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface StoredBlob {
  key: string;
  sha256: string;
  bytes: number;
}

/**
 * Where audio and other binary payloads live, addressed by key (`case/segment.wav`). Callers only
 * see this interface, so an S3-compatible store can replace the filesystem one.
 */
export interface BlobStore {
  /**
   * Durable once it resolves: atomic (never a partial file under `key`), synced to disk, written
   * off the event loop. With `exclusive`, an existing key is never replaced (`blob_exists`): live
   * audio is evidence. `sha256`: the data's checksum when the caller has it already (not computed again).
   */
  put(key: string, data: Uint8Array, options?: { exclusive?: boolean; sha256?: string }): Promise<StoredBlob>;
  /**
   * Makes the folder `prefix` (`cases/c-1`) ahead of its first put, so that put does not pay for it
   * (a live call's first utterance waits for its audio file). Nothing where folders do not exist.
   */
  makeFolder(prefix: string): Promise<void>;
  /** The bytes, or null when absent. Throws `blob_corrupt` when a checksum is given and differs. */
  get(key: string, expectedSha256?: string): Promise<Uint8Array | null>;
  exists(key: string): Promise<boolean>;
  /** Idempotent: deleting an absent key is not an error. Folders left empty go too. */
  delete(key: string): Promise<void>;
  /** Keys under a prefix folder (`cases/c-1`), for finding files no row refers to. */
  list(prefix: string): Promise<string[]>;
}

export class BlobError extends Error {
  constructor(
    readonly code: 'invalid_blob_key' | 'blob_corrupt' | 'blob_exists' | 'blob_store_failed',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Keys are relative paths of plain names (`cases/c-1/u1.wav`): nothing that escapes a folder or a prefix. */
export function assertBlobKey(key: string): void {
  if (!KEY.test(key) || key.includes('..'))
    throw new BlobError('invalid_blob_key', `invalid blob key ${JSON.stringify(key)}`);
}

const SYNC_WRITE = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_SYNC;

/**
 * Blobs as files under `root` (`<dataDir>/audio`): write a temp file synchronously, rename it (link it:
 * exclusive), fsync the folder.
 */
export function createFsBlobStore(root: string): BlobStore {
  const base = resolve(root);
  mkdirSync(base, { recursive: true });
  sweepTempFiles(base);

  const pathOf = (key: string): string => {
    assertBlobKey(key);
    const path = resolve(base, key);
    if (!path.startsWith(base + sep))
      throw new BlobError('invalid_blob_key', `invalid blob key ${JSON.stringify(key)}`);
    return path;
  };
  // Folders known to exist (a call's folder is made once, not at every put); forgotten when one is pruned.
  const made = new Set<string>();
  const folders = new FolderSyncs();
  const makeDir = async (dir: string): Promise<void> => {
    if (made.has(dir)) return;
    await mkdir(dir, { recursive: true });
    made.add(dir);
  };

  return {
    // Every step waits for the one before on the thread pool, and its result for a turn of a busy
    // event loop: the file is written synchronously (no separate fsync), the folder opened while it
    // is, the file closed while the folder syncs, and an exclusive put links (fails if the key
    // exists) instead of checking first.
    async put(key, data, options = {}) {
      const path = pathOf(key);
      const dir = dirname(path);
      await makeDir(dir);
      const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      const folder = folders.hold(dir);
      let file: FileHandle | null = null;
      let closed: Promise<void> | null = null;
      try {
        try {
          // O_SYNC: the write returns once the data is on disk, as a write then an fsync would.
          file = await open(tmp, SYNC_WRITE);
          await file.writeFile(data);
          if (!constants.O_SYNC) await file.sync(); // a platform without O_SYNC
          closed = file.close();
          await (options.exclusive ? link(tmp, path) : rename(tmp, path));
        } catch (err) {
          await (closed ?? file?.close())?.catch(() => undefined);
          // A full disk must not also leave half a file behind.
          await rm(tmp, { force: true });
          if (options.exclusive && (err as NodeJS.ErrnoException).code === 'EEXIST')
            throw new BlobError('blob_exists', `blob ${key} already exists and is not replaced`);
          throw err;
        }
        // The linked file is durable without its temp name gone: nothing waits for that (one left
        // by a crash is swept at the next start).
        if (options.exclusive) unlink(tmp).catch(() => undefined);
        await Promise.all([folder.sync(), closed]);
      } finally {
        folder.release();
      }
      return { key, sha256: options.sha256 ?? sha256Hex(data), bytes: data.byteLength };
    },
    makeFolder: (prefix) => makeDir(pathOf(prefix)),
    async get(key, expectedSha256) {
      let data: Buffer;
      try {
        data = await readFile(pathOf(key));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
      if (expectedSha256 && sha256Hex(data) !== expectedSha256) {
        throw new BlobError('blob_corrupt', `blob ${key} does not match its checksum`);
      }
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    },
    async exists(key) {
      try {
        return (await stat(pathOf(key))).isFile();
      } catch {
        return false;
      }
    },
    async delete(key) {
      const path = pathOf(key);
      await rm(path, { force: true });
      made.clear();
      pruneEmptyDirs(dirname(path), base);
    },
    async list(prefix) {
      const dir = pathOf(prefix);
      const out: string[] = [];
      const walk = (d: string) => {
        let entries;
        try {
          entries = readdirSync(d, { withFileTypes: true });
        } catch {
          return;
        }
        for (const entry of entries) {
          const path = join(d, entry.name);
          if (entry.isDirectory()) walk(path);
          else if (!entry.name.endsWith('.tmp')) out.push(relative(base, path).split(sep).join('/'));
        }
      };
      walk(dir);
      return out.sort();
    },
  };
}

/** Removes `dir` and its parents up to (not including) `root` while they are empty, then syncs what remains. */
function pruneEmptyDirs(dir: string, root: string): void {
  let current = dir;
  while (current.startsWith(root + sep)) {
    try {
      rmdirSync(current);
    } catch {
      break; // not empty (or already gone): stop here
    }
    current = dirname(current);
  }
  syncDir(existsSync(current) ? current : root);
}

interface HeldFolder {
  /** Resolves once a sync of the folder started after this call has finished. */
  sync(): Promise<void>;
  release(): void;
}

interface OpenFolder {
  /** Null where a folder cannot be opened or synced (some platforms): the rename is still atomic. */
  handle: Promise<FileHandle | null>;
  users: number;
  /** Holders that renamed their file and wait for the next sync. */
  waiting: number;
  next: { done: Promise<void>; start(): void } | null;
  running: Promise<void>;
}

/**
 * Folder fsyncs shared by the puts that need them. A put's rename is durable once a sync of its
 * folder *started after* the rename has finished; the folder is opened once, beside the first file's
 * write, and held while puts are in it. Its next sync starts when every put holding it has renamed
 * (or failed), so the files a batch writes into one folder (a call's utterance and call audio) cost
 * one folder sync between them, not one each.
 */
class FolderSyncs {
  private readonly open = new Map<string, OpenFolder>();

  hold(dir: string): HeldFolder {
    let folder = this.open.get(dir);
    if (!folder) {
      const handle = open(dir, 'r').catch(() => null);
      folder = { handle, users: 0, waiting: 0, next: null, running: Promise.resolve() };
      this.open.set(dir, folder);
    }
    folder.users++;
    const held = folder;
    return {
      sync: () => {
        held.waiting++;
        const next = (held.next ??= this.nextSync(held));
        if (held.waiting === held.users) this.start(held);
        return next.done;
      },
      release: () => {
        held.users--;
        if (held.next && held.waiting === held.users) this.start(held);
        if (held.users > 0) return;
        if (this.open.get(dir) === held) this.open.delete(dir);
        void held.running.then(async () => (await held.handle)?.close());
      },
    };
  }

  private nextSync(folder: OpenFolder): { done: Promise<void>; start(): void } {
    let start = (): void => undefined;
    const begun = new Promise<void>((resolve) => (start = resolve));
    // After the sync before it (which may have begun before these renames).
    const done = Promise.all([begun, folder.running])
      .then(() => folder.handle)
      .then((handle) => handle?.sync())
      .catch(() => undefined); // unsupported on some platforms; the rename is still atomic
    return { done, start };
  }

  private start(folder: OpenFolder): void {
    const next = folder.next;
    if (!next) return;
    folder.next = null;
    folder.waiting = 0;
    folder.running = next.done;
    next.start();
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Directory fsync is unsupported on some platforms; the rename is still atomic.
  }
}

/**
 * Temp files left by a writer killed mid-put are never visible under a key; remove them at start,
 * and folders a purge or a crash left empty.
 */
function sweepTempFiles(dir: string, root = dir): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sweepTempFiles(path, root);
    else if (entry.name.endsWith('.tmp')) rmSync(path, { force: true });
  }
  if (dir !== root && readdirSync(dir).length === 0) rmdirSync(dir);
}
