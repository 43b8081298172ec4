import { execFileSync, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/shared.js';
import { findCatalogEntry, type ModelCatalogEntry } from './catalog.js';
import { fetchModel, ModelFetchError, type FetchProgress } from './download.js';
import { detectOnlineModel } from './model-folder.js';
import { rejection } from './testing/error-code.js';

/**
 * TEST SERVER standing in for the GitHub release host: serves small archives made here, honours
 * HTTP Range like the real one, and can drop the connection part-way to exercise resume.
 */
interface Served {
  url: string;
  range: string | undefined;
  bytesSent: number;
}
const assets = new Map<string, Buffer>();
const served: Served[] = [];
let cutAfterBytes: number | null = null;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const name = (req.url ?? '').replace(/^\/asr-models\//, '');
    const body = assets.get(name);
    const record: Served = { url: req.url ?? '', range: req.headers.range, bytesSent: 0 };
    served.push(record);
    if (!body) return void res.writeHead(404).end('Not Found');
    const start = Number(req.headers.range?.match(/^bytes=(\d+)-$/)?.[1] ?? 0);
    if (start >= body.length) {
      return void res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
    }
    const slice = body.subarray(start);
    res.writeHead(start > 0 ? 206 : 200, {
      'content-length': slice.length,
      ...(start > 0 ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    if (cutAfterBytes !== null) {
      const cut = cutAfterBytes;
      cutAfterBytes = null;
      record.bytesSent = cut;
      res.write(slice.subarray(0, cut), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    record.bytesSent = slice.length;
    res.end(slice);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/asr-models`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  rmSync(work, { recursive: true, force: true });
});

const work = mkdtempSync(join(tmpdir(), 'asr-fetch-'));
const streaming = findCatalogEntry(
  'sherpa-onnx-streaming-zipformer-multi-zh-hans-2023-12-12',
) as ModelCatalogEntry;
const vad = findCatalogEntry('silero-vad') as ModelCatalogEntry;
const TAG = 'epoch-20-avg-1-chunk-16-left-128';

/** A .tar.bz2 laid out like the release: one top folder; random bytes stand in for the weights. */
function archive(name: string, files: string[]): Buffer {
  const src = mkdtempSync(join(work, 'src-'));
  mkdirSync(join(src, name));
  for (const file of files) {
    const content =
      file === 'tokens.txt' ? '<blk> 0\n' : file.startsWith('lfs:') ? LFS_POINTER : onnxLike(100_000);
    writeFileSync(join(src, name, file.replace(/^lfs:/, '')), content);
  }
  const out = join(src, 'out.tar.bz2');
  execFileSync('tar', ['-cjf', out, '-C', src, name]);
  return readFileSync(out);
}

/** Random bytes behind the tag byte every ONNX file starts with (ModelProto.ir_version). */
const onnxLike = (size: number) => Buffer.concat([Buffer.from([0x08]), randomBytes(size - 1)]);
const LFS_POINTER = 'version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 1\n';

const transducerFiles = [
  'tokens.txt',
  'bpe.model',
  ...['encoder', 'decoder', 'joiner'].map((r) => `${r}-${TAG}.int8.onnx`),
];

function modelsDir(): string {
  return mkdtempSync(join(work, 'models-'));
}

const failure = (promise: Promise<unknown>): Promise<ModelFetchError> => rejection(promise, ModelFetchError);

describe('models fetch', () => {
  it('downloads, unpacks and checks a streaming model archive, reporting progress', async () => {
    const bytes = archive(streaming.name, transducerFiles);
    assets.set(streaming.asset, bytes);
    const dir = modelsDir();
    const progress: FetchProgress[] = [];
    const fetched = await fetchModel(streaming, {
      modelsDir: dir,
      baseUrl,
      onProgress: (p) => progress.push(p),
    });

    expect(fetched).toEqual({
      name: streaming.name,
      path: join(dir, streaming.name),
      alreadyPresent: false,
      resumedFrom: 0,
    });
    expect(detectOnlineModel(fetched.path).kind).toBe('transducer');
    expect(readdirSync(dir)).toEqual([streaming.name]);
    expect(progress.at(-1)).toEqual({ received: bytes.length, total: bytes.length, resumedFrom: 0 });

    served.length = 0;
    expect((await fetchModel(streaming, { modelsDir: dir, baseUrl })).alreadyPresent).toBe(true);
    expect(served).toHaveLength(0);
  });

  it('resumes an interrupted download from where it stopped', async () => {
    const bytes = archive(streaming.name, transducerFiles);
    assets.set(streaming.asset, bytes);
    const dir = modelsDir();
    cutAfterBytes = Math.floor(bytes.length / 3);
    const err = await failure(fetchModel(streaming, { modelsDir: dir, baseUrl }));
    expect(err.code).toBe('download_failed');
    expect(err.message).toMatch(/run the same command again to resume/);
    const part = join(dir, `${streaming.asset}.part`);
    const kept = statSync(part).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(bytes.length);

    served.length = 0;
    const fetched = await fetchModel(streaming, { modelsDir: dir, baseUrl });
    expect(fetched.resumedFrom).toBe(kept);
    expect(served).toEqual([
      { url: `/asr-models/${streaming.asset}`, range: `bytes=${kept}-`, bytesSent: bytes.length - kept },
    ]);
    expect(detectOnlineModel(fetched.path).kind).toBe('transducer');
    expect(existsSync(part)).toBe(false);
  });

  it('refuses an archive that lacks the expected files and leaves nothing half-installed', async () => {
    assets.set(
      streaming.asset,
      archive(
        streaming.name,
        transducerFiles.filter((f) => f !== 'tokens.txt'),
      ),
    );
    const dir = modelsDir();
    const err = await failure(fetchModel(streaming, { modelsDir: dir, baseUrl }));
    expect(err.code).toBe('model_incomplete');
    expect(err.message).toMatch(/has no tokens\.txt/);
    expect(readdirSync(dir).filter((f) => !f.endsWith('.part'))).toEqual([]);
  });

  it('refuses weights that are Git LFS pointers, and a VAD file that is an HTML page', async () => {
    const files = transducerFiles.map((f) => (f.startsWith('joiner') ? `lfs:${f}` : f));
    assets.set(streaming.asset, archive(streaming.name, files));
    const err = await failure(fetchModel(streaming, { modelsDir: modelsDir(), baseUrl }));
    expect(err.code).toBe('model_incomplete');
    expect(err.message).toMatch(/joiner-.*\.int8\.onnx is not an ONNX model \(a Git LFS pointer/);

    assets.set(vad.asset, Buffer.from('<!DOCTYPE html><title>Rate limited</title>'));
    const dir = modelsDir();
    expect((await failure(fetchModel(vad, { modelsDir: dir, baseUrl }))).code).toBe('model_incomplete');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a damaged archive and drops it so the next run starts over', async () => {
    assets.set(streaming.asset, randomBytes(5_000));
    const dir = modelsDir();
    const err = await failure(fetchModel(streaming, { modelsDir: dir, baseUrl }));
    expect(err.code).toBe('unpack_failed');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('saves the single-file Silero VAD where the server looks for it', async () => {
    const onnx = onnxLike(20_000);
    assets.set(vad.asset, onnx);
    const dir = modelsDir();
    const fetched = await fetchModel(vad, { modelsDir: dir, baseUrl });
    expect(fetched.path).toBe(join(dir, 'silero_vad.onnx'));
    expect(readFileSync(fetched.path).equals(onnx)).toBe(true);
  });

  it('reports a missing asset and an unreachable host with their own codes, in one line', async () => {
    assets.delete(vad.asset);
    const notFound = await failure(fetchModel(vad, { modelsDir: modelsDir(), baseUrl }));
    expect(notFound.code).toBe('download_failed');
    expect(notFound.message).toMatch(/answered HTTP 404/);

    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
    const { port } = probe.address() as AddressInfo;
    await new Promise((done) => probe.close(done));
    const offline = await failure(
      fetchModel(vad, { modelsDir: modelsDir(), baseUrl: `http://127.0.0.1:${port}/asr-models` }),
    );
    expect(offline.code).toBe('network_unavailable');
    expect(offline.message).toMatch(/^cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\): no network\?/);
    expect(offline.message).not.toContain('\n');
  });

  it('works from the command line with a progress report and the setting to use', async () => {
    assets.set(vad.asset, onnxLike(20_000));
    const dir = modelsDir();
    const cli = (...args: string[]) =>
      promisify(execFile)(
        join(repoRoot, 'node_modules/.bin/tsx'),
        [join(repoRoot, 'src/cli/main.ts'), 'models', ...args],
        {
          cwd: work,
          env: { ...process.env, HOTLINE_DATA_DIR: join(work, 'state') },
        },
      );
    const { stdout, stderr } = await cli('fetch', 'silero-vad', '--dir', dir, '--base-url', baseUrl);
    expect(stderr).toMatch(/downloading silero-vad \(0\.0 MB\)/);
    expect(stdout).toContain(`use it with HOTLINE_VAD_MODEL=${join(dir, 'silero_vad.onnx')}`);
    const listed = await cli('list', '--dir', dir);
    expect(listed.stdout).toMatch(/ready\s+silero-vad/);
    expect(listed.stdout).toMatch(/absent\s+sherpa-onnx-sense-voice-zh-en-ja-ko-yue-2024-07-17/);
    const unknown = await cli('fetch', 'whisper-large').then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(unknown?.code).toBe(1);
    expect(unknown?.stderr).toMatch(/\[model_unknown\] unknown model whisper-large/);
  }, 60_000);
});
