import { execFile } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { promisify } from 'node:util';
import { checkModel, type ModelCatalogEntry } from './catalog.js';

/**
 * `models fetch`: download a release asset with resume (HTTP Range onto `<asset>.part`), unpack
 * `.tar.bz2` archives with the system `tar -xjf` (the npm `tar` package reads gzip, brotli and
 * zstd but not bzip2, and bzip2 is how sherpa-onnx publishes), check the result loads as the
 * expected model, and only then move it into place. Progress is reported, not drawn: the CLI
 * owns the terminal.
 */
export type ModelFetchErrorCode =
  'model_unknown' | 'network_unavailable' | 'download_failed' | 'unpack_failed' | 'model_incomplete';

export class ModelFetchError extends Error {
  constructor(
    readonly code: ModelFetchErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ModelFetchError';
  }
}

export interface FetchProgress {
  /** Bytes of the asset on disk so far, resumed bytes included. */
  received: number;
  /** Size of the whole asset when the server says it. */
  total: number | null;
  /** Bytes already on disk from an earlier, interrupted run. */
  resumedFrom: number;
}

export interface FetchModelOptions {
  modelsDir: string;
  /** Release base URL; the asset is fetched from `${baseUrl}/${entry.asset}`. */
  baseUrl: string;
  /** Download again even when a checked copy is in place. */
  force?: boolean;
  onProgress?: (progress: FetchProgress) => void;
}

export interface FetchedModel {
  name: string;
  /** The model folder, or the file for single-file models. */
  path: string;
  alreadyPresent: boolean;
  resumedFrom: number;
}

const NO_NETWORK = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function causeCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
  return cause?.code ?? cause?.errors?.[0]?.code ?? (err as { code?: string }).code;
}

async function sizeOf(path: string): Promise<number> {
  return existsSync(path) ? (await stat(path)).size : 0;
}

/** Total size from a `Content-Range` header (`bytes a-b/total`, or `bytes` star `/total` on 416). */
function rangeTotal(header: string | null): number | null {
  const total = header?.match(/\/(\d+)\s*$/)?.[1];
  return total === undefined ? null : Number(total);
}

async function download(
  url: string,
  part: string,
  onProgress: FetchModelOptions['onProgress'],
  unpackHint: string,
): Promise<number> {
  const resumedFrom = await sizeOf(part);
  let response: Response;
  try {
    response = await fetch(url, resumedFrom > 0 ? { headers: { range: `bytes=${resumedFrom}-` } } : {});
  } catch (err) {
    const code = causeCode(err) ?? 'unknown error';
    const host = new URL(url).host;
    if (NO_NETWORK.has(code)) {
      throw new ModelFetchError(
        'network_unavailable',
        `cannot reach ${host} (${code}): no network? Fetch ${url} elsewhere and ${unpackHint}, or set HOTLINE_MODELS_BASE_URL to a mirror`,
        { cause: err },
      );
    }
    throw new ModelFetchError('download_failed', `download of ${url} failed: ${code}`, { cause: err });
  }
  if (response.status === 416 && resumedFrom > 0) {
    // The server has nothing past what we hold: the earlier run got the whole file.
    await response.body?.cancel();
    if (rangeTotal(response.headers.get('content-range')) === resumedFrom) return resumedFrom;
    await rm(part, { force: true });
    throw new ModelFetchError(
      'download_failed',
      `${url}: partial download no longer matches the server's file; run again`,
    );
  }
  if (response.status !== 200 && response.status !== 206) {
    await response.body?.cancel();
    throw new ModelFetchError('download_failed', `${url} answered HTTP ${response.status}`);
  }
  const append = response.status === 206;
  const rangeStart = response.headers.get('content-range')?.match(/^bytes (\d+)-/)?.[1];
  if (append && Number(rangeStart) !== resumedFrom) {
    await response.body?.cancel();
    await rm(part, { force: true });
    throw new ModelFetchError(
      'download_failed',
      `${url} resumed at the wrong offset; run again to start over`,
    );
  }
  const start = append ? resumedFrom : 0;
  const length = response.headers.get('content-length');
  const total = append
    ? rangeTotal(response.headers.get('content-range'))
    : length === null
      ? null
      : Number(length);
  let received = start;
  onProgress?.({ received, total, resumedFrom: start });
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      onProgress?.({ received, total, resumedFrom: start });
      done(null, chunk);
    },
  });
  try {
    if (!response.body) throw new Error('empty response');
    await pipeline(
      Readable.fromWeb(response.body as WebReadableStream),
      count,
      createWriteStream(part, { flags: append ? 'a' : 'w' }),
    );
  } catch (err) {
    throw new ModelFetchError(
      'download_failed',
      `download of ${url} interrupted after ${received} bytes (${causeCode(err) ?? (err as Error).message}); run the same command again to resume`,
      { cause: err },
    );
  }
  if (total !== null && received !== total) {
    throw new ModelFetchError(
      'download_failed',
      `download of ${url} ended after ${received} of ${total} bytes; run the same command again to resume`,
    );
  }
  return start;
}

const run = promisify(execFile);

async function unpackTarBz2(archive: string, into: string): Promise<void> {
  try {
    await run('tar', ['-xjf', archive, '-C', into]);
  } catch (err) {
    const e = err as { code?: string | number; stderr?: string };
    if (
      e.code === 'ENOENT' ||
      (/bzip2/i.test(e.stderr ?? '') && /not found|cannot exec/i.test(e.stderr ?? ''))
    ) {
      throw new ModelFetchError(
        'unpack_failed',
        'unpacking .tar.bz2 needs the system tar and bzip2 (apt-get install bzip2)',
        {
          cause: err,
        },
      );
    }
    throw new ModelFetchError(
      'unpack_failed',
      `archive ${archive} is damaged: ${(e.stderr ?? '').trim().split('\n')[0]}`,
      {
        cause: err,
      },
    );
  }
}

/** The folder an archive unpacked to: its single top-level folder, as the releases are laid out. */
async function unpackedRoot(staging: string, name: string): Promise<string> {
  if (existsSync(join(staging, name))) return join(staging, name);
  const entries = await readdir(staging, { withFileTypes: true });
  const only = entries.length === 1 ? entries[0] : undefined;
  return only?.isDirectory() ? join(staging, only.name) : staging;
}

export function modelPath(entry: ModelCatalogEntry, modelsDir: string): string {
  return join(modelsDir, entry.expect.format === 'file' ? entry.asset : entry.name);
}

export async function fetchModel(
  entry: ModelCatalogEntry,
  options: FetchModelOptions,
): Promise<FetchedModel> {
  const target = modelPath(entry, options.modelsDir);
  if (!options.force && existsSync(target) && checkModel(entry, target) === null) {
    return { name: entry.name, path: target, alreadyPresent: true, resumedFrom: 0 };
  }
  await mkdir(options.modelsDir, { recursive: true });
  const part = join(options.modelsDir, `${entry.asset}.part`);
  const url = `${options.baseUrl.replace(/\/+$/, '')}/${entry.asset}`;
  const unpackHint =
    entry.expect.format === 'file'
      ? `save it as ${target}`
      : `unpack it into ${options.modelsDir} (tar -xjf)`;
  const resumedFrom = await download(url, part, options.onProgress, unpackHint);

  if (entry.expect.format === 'file') {
    const problem = checkModel(entry, part);
    if (problem) {
      await rm(part, { force: true });
      throw new ModelFetchError('model_incomplete', `${entry.asset} downloaded, but ${problem}`);
    }
    await rename(part, target);
  } else {
    const staging = join(options.modelsDir, `.unpack-${entry.name}`);
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging);
    try {
      try {
        await unpackTarBz2(part, staging);
      } catch (err) {
        // A damaged archive would be resumed into the same damage: start over next time.
        await rm(part, { force: true });
        throw err;
      }
      const root = await unpackedRoot(staging, entry.name);
      const problem = checkModel(entry, root);
      if (problem) throw new ModelFetchError('model_incomplete', `${entry.asset} unpacked, but ${problem}`);
      await rm(target, { recursive: true, force: true });
      await rename(root, target);
      await rm(part, { force: true });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  const problem = checkModel(entry, target);
  if (problem) throw new ModelFetchError('model_incomplete', problem);
  return { name: entry.name, path: target, alreadyPresent: false, resumedFrom };
}
