import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  rmdirSync,
  rmSync,
  readdirSync,
} from 'node:fs';
import { access, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
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
   * audio is evidence.
   */
  put(key: string, data: Uint8Array, options?: { exclusive?: boolean }): Promise<StoredBlob>;
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

/** Blobs as files under `root` (`<dataDir>/audio`): write to a temp file, fsync, rename, fsync the folder. */
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
  const syncs = new DirSyncs();

  return {
    async put(key, data, options = {}) {
      const path = pathOf(key);
      const dir = dirname(path);
      if (options.exclusive && (await exists(path)))
        throw new BlobError('blob_exists', `blob ${key} already exists and is not replaced`);
      if (!made.has(dir)) {
        await mkdir(dir, { recursive: true });
        made.add(dir);
      }
      const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        const file = await open(tmp, 'w');
        try {
          await file.writeFile(data);
          await file.sync();
        } finally {
          await file.close();
        }
        await rename(tmp, path);
      } catch (err) {
        // A full disk must not also leave half a file behind.
        await rm(tmp, { force: true });
        throw err;
      }
      await syncs.sync(dir);
      return { key, sha256: sha256Hex(data), bytes: data.byteLength };
    },
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

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * Folder fsyncs shared by the puts that need them: a put's rename is durable once a sync of its
 * folder *started after* the rename has finished, so while one runs, every put that renamed meanwhile
 * waits for the one queued behind it — a batch of a call's files costs two folder syncs, not one each.
 */
class DirSyncs {
  private readonly folders = new Map<string, { running: Promise<void>; queued: Promise<void> | null }>();

  sync(dir: string): Promise<void> {
    const folder = this.folders.get(dir);
    if (!folder) return this.run(dir);
    folder.queued ??= folder.running.then(() => this.run(dir));
    return folder.queued;
  }

  private run(dir: string): Promise<void> {
    const running = syncDirAsync(dir).finally(() => {
      const folder = this.folders.get(dir);
      if (folder?.running !== running) return;
      if (folder.queued) folder.running = folder.queued;
      else this.folders.delete(dir);
      folder.queued = null;
    });
    const folder = this.folders.get(dir);
    if (folder) folder.running = running;
    else this.folders.set(dir, { running, queued: null });
    return running;
  }
}

async function syncDirAsync(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Directory fsync is unsupported on some platforms; the rename is still atomic.
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
