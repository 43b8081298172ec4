import { createFsBlobStore, type BlobStore } from './blob-store.js';
import { createS3BlobStore } from './s3-blob-store.js';

/** The blob settings of the store section (`HOTLINE_BLOB_*`). */
export interface BlobSettings {
  blobUrl?: string | undefined;
  blobEndpoint?: string | undefined;
  blobRegion: string;
  blobAccessKeyId?: string | undefined;
  blobSecretAccessKey?: string | undefined;
}

/**
 * The bucket the settings name (every node of a cluster reads and writes the same audio), else
 * files under `dir` (this node's data dir). The config has already refused a bucket without keys.
 */
export function openBlobStore(settings: BlobSettings, dir: string): BlobStore {
  if (!settings.blobUrl) return createFsBlobStore(dir);
  return createS3BlobStore({
    url: settings.blobUrl,
    endpoint: settings.blobEndpoint,
    region: settings.blobRegion,
    accessKeyId: settings.blobAccessKeyId ?? '',
    secretAccessKey: settings.blobSecretAccessKey ?? '',
  });
}
