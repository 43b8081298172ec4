import { AwsClient } from 'aws4fetch';
import { XMLParser } from 'fast-xml-parser';
import { assertBlobKey, BlobError, sha256Hex, type BlobStore } from './blob-store.js';

export interface S3BlobStoreOptions {
  /** `s3://bucket` or `s3://bucket/prefix`: every key is stored under the prefix. */
  url: string;
  /** An S3-compatible server (MinIO, Ceph, s3rver): path-style requests there; unset = AWS. */
  endpoint?: string | undefined;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
  /** Attempts on 5xx and throttling, with backoff (aws4fetch's own retry). */
  retries?: number;
}

const listParser = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'Contents' });

interface ListPage {
  ListBucketResult?: {
    Contents?: Array<{ Key?: string }>;
    IsTruncated?: string;
    NextContinuationToken?: string;
  };
}

/** Parses `s3://bucket[/prefix]`; a clear error rather than a request to the wrong place. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) throw new BlobError('invalid_blob_key', `blob URL ${url} is not s3://bucket[/prefix]`);
  const prefix = (match[2] ?? '').replace(/\/+$/, '');
  if (prefix) assertBlobKey(prefix);
  return { bucket: match[1] as string, prefix: prefix ? `${prefix}/` : '' };
}

/**
 * Blobs as objects in an S3-compatible bucket, signed with SigV4 (aws4fetch over `fetch`). A put
 * resolves only once the server answered 200, which S3 gives after the object is stored; the
 * payload's SHA-256 is signed (`x-amz-content-sha256`), so a body damaged on the way is refused
 * rather than stored. Objects appear whole or not at all, as renamed files do.
 */
export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore {
  const { bucket, prefix } = parseS3Url(options.url);
  const client = new AwsClient({
    accessKeyId: options.accessKeyId,
    secretAccessKey: options.secretAccessKey,
    ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
    service: 's3',
    region: options.region,
    retries: options.retries ?? 3,
  });
  const base = options.endpoint
    ? `${options.endpoint.replace(/\/+$/, '')}/${bucket}`
    : `https://${bucket}.s3.${options.region}.amazonaws.com`;
  const objectUrl = (key: string): string => {
    assertBlobKey(key);
    return `${base}/${prefix}${key}`;
  };

  const request = async (what: string, url: string, init: RequestInit, ok: number[]): Promise<Response> => {
    let response: Response;
    try {
      response = await client.fetch(url, init);
    } catch (err) {
      throw new BlobError('blob_store_failed', `${what}: ${(err as Error).message}`, { cause: err });
    }
    if (!ok.includes(response.status)) {
      const detail = (await response.text().catch(() => '')).slice(0, 200);
      throw new BlobError('blob_store_failed', `${what}: HTTP ${response.status} ${detail}`);
    }
    return response;
  };

  const exists = async (key: string): Promise<boolean> => {
    const response = await request(`head ${key}`, objectUrl(key), { method: 'HEAD' }, [200, 404]);
    return response.status === 200;
  };

  return {
    async put(key, data, putOptions = {}) {
      const url = objectUrl(key);
      // `If-None-Match: *` makes the refusal atomic where the server supports conditional writes
      // (AWS, MinIO); the look first covers servers that ignore it.
      if (putOptions.exclusive && (await exists(key)))
        throw new BlobError('blob_exists', `blob ${key} already exists and is not replaced`);
      const response = await request(
        `put ${key}`,
        url,
        {
          method: 'PUT',
          // A copy on its own ArrayBuffer, which is what `fetch` accepts as a body.
          body: data.slice(),
          headers: putOptions.exclusive ? { 'if-none-match': '*' } : {},
        },
        [200, 412],
      );
      if (response.status === 412)
        throw new BlobError('blob_exists', `blob ${key} already exists and is not replaced`);
      await response.body?.cancel();
      return { key, sha256: putOptions.sha256 ?? sha256Hex(data), bytes: data.byteLength };
    },
    async get(key, expectedSha256) {
      const response = await request(`get ${key}`, objectUrl(key), { method: 'GET' }, [200, 404]);
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      const data = new Uint8Array(await response.arrayBuffer());
      if (expectedSha256 && sha256Hex(data) !== expectedSha256)
        throw new BlobError('blob_corrupt', `blob ${key} does not match its checksum`);
      return data;
    },
    exists,
    // Keys are flat in a bucket: there is no folder to make.
    makeFolder: () => Promise.resolve(),
    async delete(key) {
      // S3 answers 204 whether or not the object was there: idempotent as the interface wants.
      const response = await request(`delete ${key}`, objectUrl(key), { method: 'DELETE' }, [200, 204, 404]);
      await response.body?.cancel();
    },
    async list(folder) {
      assertBlobKey(folder);
      const keys: string[] = [];
      for (let token: string | undefined; ;) {
        const query = new URLSearchParams({ 'list-type': '2', prefix: `${prefix}${folder}/` });
        if (token) query.set('continuation-token', token);
        const response = await request(`list ${folder}`, `${base}/?${query}`, { method: 'GET' }, [200]);
        const page = (listParser.parse(await response.text()) as ListPage).ListBucketResult;
        for (const entry of page?.Contents ?? [])
          if (entry.Key !== undefined) keys.push(entry.Key.slice(prefix.length));
        const truncated = page?.IsTruncated === 'true';
        token = page?.NextContinuationToken;
        if (!truncated || !token) return keys.sort();
      }
    },
  };
}
