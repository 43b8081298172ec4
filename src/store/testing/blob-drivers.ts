import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { BlobStore } from '../blob-store.js';
import { createFsBlobStore } from '../blob-store.js';
import { createS3BlobStore } from '../s3-blob-store.js';

export const TEST_BUCKET = 'hotline-test';

/** A local S3-compatible server (s3rver, from npm) with one bucket, on a free port. */
export interface LocalS3 {
  /** The settings a server uses for this bucket under `prefix` (s3rver knows the key id `S3RVER`). */
  env(prefix: string): Record<string, string>;
  /** A store on the bucket under `prefix`. */
  store(prefix: string): BlobStore;
  stop(): Promise<void>;
}

export async function startLocalS3(): Promise<LocalS3> {
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: mkdtempSync(join(tmpdir(), 'hotline-s3-')),
    configureBuckets: [{ name: TEST_BUCKET }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  let running = true;
  return {
    env: (prefix) => ({
      HOTLINE_BLOB_URL: `s3://${TEST_BUCKET}/${prefix}`,
      HOTLINE_BLOB_ENDPOINT: endpoint,
      HOTLINE_BLOB_ACCESS_KEY_ID: 'S3RVER',
      HOTLINE_BLOB_SECRET_ACCESS_KEY: 'S3RVER',
    }),
    store: (prefix) =>
      createS3BlobStore({
        url: `s3://${TEST_BUCKET}/${prefix}`,
        endpoint,
        region: 'us-east-1',
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
        // A stopped server must fail a test fast, not after aws4fetch's backoff.
        retries: 0,
      }),
    async stop() {
      if (running) await server.close();
      running = false;
    },
  };
}

export interface BlobDriver {
  name: 'filesystem' | 's3';
  /** A fresh, empty store for one test. */
  store(): BlobStore;
}

let counter = 0;

/** The drivers one shared blob-store suite runs against: files under a temp dir, and an S3 bucket. */
export function blobDrivers(s3: () => LocalS3): BlobDriver[] {
  return [
    { name: 'filesystem', store: () => createFsBlobStore(mkdtempSync(join(tmpdir(), 'hotline-blobs-'))) },
    { name: 's3', store: () => s3().store(`run-${process.pid}-${counter++}`) },
  ];
}
