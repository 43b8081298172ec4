import { mkdtempSync, readdirSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { createFsBlobStore, sha256Hex } from './blob-store.js';
import { openBlobStore } from './open-blob-store.js';
import { isStorageError } from './storage-health.js';
import { blobDrivers, startLocalS3, type LocalS3 } from './testing/blob-drivers.js';

let s3: LocalS3 | undefined;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(async () => {
  await s3?.stop();
});
const localS3 = (): LocalS3 => {
  if (!s3) throw new Error('the local S3 server did not start');
  return s3;
};

// One suite, every driver: what the archive relies on holds for files and for a bucket alike.
describe.each(blobDrivers(localS3))('$name blob store', (driver) => {
  it('stores with a checksum, reads back, deletes idempotently', async () => {
    const blobs = driver.store();
    const data = new Uint8Array([1, 2, 3, 4]);
    const stored = await blobs.put('cases/c1/u1.wav', data);
    expect(stored).toEqual({ key: 'cases/c1/u1.wav', sha256: sha256Hex(data), bytes: 4 });
    expect(await blobs.exists('cases/c1/u1.wav')).toBe(true);
    expect(Array.from((await blobs.get('cases/c1/u1.wav', stored.sha256)) ?? [])).toEqual([1, 2, 3, 4]);
    await blobs.delete('cases/c1/u1.wav');
    await blobs.delete('cases/c1/u1.wav');
    expect(await blobs.get('cases/c1/u1.wav')).toBeNull();
    expect(await blobs.exists('cases/c1/u1.wav')).toBe(false);
  });

  it('refuses keys that escape the root', async () => {
    const blobs = driver.store();
    for (const key of ['../evil', '/abs', 'a/../../b', 'a//b', ''])
      await expect(blobs.put(key, new Uint8Array([1]))).rejects.toMatchObject({ code: 'invalid_blob_key' });
    await expect(blobs.get('../evil')).rejects.toMatchObject({ code: 'invalid_blob_key' });
  });

  it('an exclusive put never replaces live audio; a plain put does, and the old checksum then fails', async () => {
    const blobs = driver.store();
    const first = await blobs.put('cases/c2/a.wav', new Uint8Array([1, 2]), { exclusive: true });
    await expect(blobs.put('cases/c2/a.wav', new Uint8Array([9]), { exclusive: true })).rejects.toMatchObject(
      {
        code: 'blob_exists',
      },
    );
    expect(Array.from((await blobs.get('cases/c2/a.wav', first.sha256)) ?? [])).toEqual([1, 2]);
    await blobs.put('cases/c2/a.wav', new Uint8Array([9, 9]));
    await expect(blobs.get('cases/c2/a.wav', first.sha256)).rejects.toMatchObject({ code: 'blob_corrupt' });
  });

  it('lists the keys under a folder, and only those', async () => {
    const blobs = driver.store();
    for (const key of ['cases/c3/b.wav', 'cases/c3/a.wav', 'cases/c4/x.wav', 'exports/e.jsonl'])
      await blobs.put(key, new Uint8Array([1]));
    expect(await blobs.list('cases')).toEqual(['cases/c3/a.wav', 'cases/c3/b.wav', 'cases/c4/x.wav']);
    expect(await blobs.list('cases/c3')).toEqual(['cases/c3/a.wav', 'cases/c3/b.wav']);
    expect(await blobs.list('cases/none')).toEqual([]);
  });
});

describe('filesystem blob store', () => {
  it('writes each blob as one file, with no temp file left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotline-blobs-'));
    await createFsBlobStore(dir).put('cases/c1/u1.wav', new Uint8Array([1]));
    expect(readdirSync(join(dir, 'cases/c1'))).toEqual(['u1.wav']);
  });

  it('writes files put at once into one folder and refuses a key taken meanwhile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotline-blobs-'));
    const blobs = createFsBlobStore(dir);
    await blobs.makeFolder('cases/c9');
    expect(readdirSync(join(dir, 'cases/c9'))).toEqual([]);
    const puts = await Promise.allSettled([
      blobs.put('cases/c9/u1.wav', new Uint8Array([1]), { exclusive: true }),
      blobs.put('cases/c9/call-0000.wav', new Uint8Array(64_000).fill(7), { exclusive: true }),
      blobs.put('cases/c9/u1.wav', new Uint8Array([2]), { exclusive: true }),
    ]);
    // Either put of u1.wav may get there first; exactly one does, and its bytes are what is stored.
    expect(puts[1]?.status).toBe('fulfilled');
    const u1 = [puts[0], puts[2]].map((p) => p?.status);
    expect(u1.sort()).toEqual(['fulfilled', 'rejected']);
    expect(await blobs.list('cases/c9')).toEqual(['cases/c9/call-0000.wav', 'cases/c9/u1.wav']);
    expect(Array.from((await blobs.get('cases/c9/u1.wav')) ?? [])).toEqual([
      puts[0]?.status === 'fulfilled' ? 1 : 2,
    ]);
  });

  it('sweeps temp files a killed writer left behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hotline-blobs-'));
    mkdirSync(join(dir, 'cases'), { recursive: true });
    writeFileSync(join(dir, 'cases', 'x.wav.abc.tmp'), 'partial');
    createFsBlobStore(dir);
    expect(existsSync(join(dir, 'cases', 'x.wav.abc.tmp'))).toBe(false);
  });
});

describe('S3 blob store', () => {
  it('is what HOTLINE_BLOB_URL selects, and keeps each prefix to itself', async () => {
    const server = localS3();
    const config = loadConfig({ env: server.env('node-shared') });
    const fromConfig = openBlobStore(config.store, mkdtempSync(join(tmpdir(), 'hotline-unused-')));
    await fromConfig.put('cases/c1/u1.wav', new Uint8Array([7]));
    // Another node configured alike reads it; a store under another prefix does not see it.
    expect(Array.from((await server.store('node-shared').get('cases/c1/u1.wav')) ?? [])).toEqual([7]);
    expect(await server.store('other').list('cases')).toEqual([]);
  });

  it('refuses to start without credentials, and unknown credentials are refused by the server', async () => {
    expect(() => loadConfig({ env: { HOTLINE_BLOB_URL: 's3://bucket/p' } })).toThrow(
      /HOTLINE_BLOB_ACCESS_KEY_ID/,
    );
    expect(() => loadConfig({ env: { HOTLINE_BLOB_URL: 'http://bucket/p' } })).toThrow(/s3:\/\//);
    // s3rver checks the key id (it does not verify SigV4 signatures themselves).
    const env = { ...localS3().env('p'), HOTLINE_BLOB_ACCESS_KEY_ID: 'NOT-A-KEY' };
    const blobs = openBlobStore(loadConfig({ env }).store, tmpdir());
    const refused = await blobs.put('cases/c/a.wav', new Uint8Array([1])).catch((err: unknown) => err);
    expect(refused).toMatchObject({ code: 'blob_store_failed', message: expect.stringMatching(/403/) });
  });

  it('a server that is down fails the put (nothing acknowledged), reported as a storage failure', async () => {
    const server = await startLocalS3();
    const blobs = server.store('down');
    await server.stop();
    const failed = await blobs.put('cases/c/a.wav', new Uint8Array([1])).catch((err: unknown) => err);
    expect(failed).toMatchObject({ code: 'blob_store_failed' });
    expect(isStorageError(failed)).toBe(true);
  });
});
