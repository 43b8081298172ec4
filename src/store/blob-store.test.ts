import { mkdtempSync, readdirSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFsBlobStore, sha256Hex } from './blob-store.js';

describe('filesystem blob store', () => {
  const root = () => mkdtempSync(join(tmpdir(), 'hotline-blobs-'));

  it('writes atomically with a checksum and reads back', async () => {
    const dir = root();
    const blobs = createFsBlobStore(dir);
    const data = new Uint8Array([1, 2, 3, 4]);
    const stored = await blobs.put('cases/c1/u1.wav', data);
    expect(stored).toEqual({ key: 'cases/c1/u1.wav', sha256: sha256Hex(data), bytes: 4 });
    expect(Array.from((await blobs.get('cases/c1/u1.wav', stored.sha256)) ?? [])).toEqual([1, 2, 3, 4]);
    expect(readdirSync(join(dir, 'cases/c1'))).toEqual(['u1.wav']);
    await blobs.delete('cases/c1/u1.wav');
    await blobs.delete('cases/c1/u1.wav');
    expect(await blobs.get('cases/c1/u1.wav')).toBeNull();
  });

  it('refuses keys that escape the root and reports a corrupted file', async () => {
    const dir = root();
    const blobs = createFsBlobStore(dir);
    await expect(blobs.put('../evil', new Uint8Array([1]))).rejects.toMatchObject({
      code: 'invalid_blob_key',
    });
    await expect(blobs.put('/abs', new Uint8Array([1]))).rejects.toMatchObject({ code: 'invalid_blob_key' });
    const stored = await blobs.put('a/b.wav', new Uint8Array([1, 2]));
    writeFileSync(join(dir, 'a/b.wav'), new Uint8Array([9, 9]));
    await expect(blobs.get('a/b.wav', stored.sha256)).rejects.toMatchObject({ code: 'blob_corrupt' });
  });

  it('sweeps temp files a killed writer left behind', () => {
    const dir = root();
    mkdirSync(join(dir, 'cases'), { recursive: true });
    writeFileSync(join(dir, 'cases', 'x.wav.abc.tmp'), 'partial');
    createFsBlobStore(dir);
    expect(existsSync(join(dir, 'cases', 'x.wav.abc.tmp'))).toBe(false);
  });
});
