/**
 * Fail closed without a real full disk: a blob store that answers ENOSPC on demand (the same
 * error a full file system gives). Runs everywhere; test/security/storage.test.ts does the same on
 * a tmpfs that really fills up, where mounting is allowed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  createFsBlobStore,
  createStorageHealth,
  openStore,
  type BlobStore,
  type Store,
} from '../store/index.js';
import { CallSessionManager } from '../session/index.js';
import { createArchive } from './archive.js';
import { createRedactingTextDouble } from './testing/text-double.js';
import { principal, silentLogger, testConfig } from './testing/fixtures.js';

/** The filesystem blob store, until `full` is set: then every write fails as a full disk does. */
function fillableBlobs(root: string): BlobStore & { full: boolean } {
  const real = createFsBlobStore(root);
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const blobs = {
    ...real,
    full: false,
    async put(key: string, data: Uint8Array, options?: { exclusive?: boolean }) {
      if (blobs.full) throw enospc();
      return real.put(key, data, options);
    },
  };
  return blobs;
}

describe('storage failures under live calls (ENOSPC injected)', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it('refuses new calls, acknowledges nothing it could not store, and recovers with the disk', async () => {
    const config = testConfig();
    store = await openStore({ sqliteFile: `${config.dataDir}/hotline.db` });
    const health = await createStorageHealth({ dataDir: config.dataDir, store });
    const blobs = fillableBlobs(`${config.dataDir}/audio`);
    const archive = await createArchive({
      store,
      config,
      text: createRedactingTextDouble(),
      logger: silentLogger(),
      blobs,
      health,
    });
    const manager = new CallSessionManager({
      config,
      logger: silentLogger(),
      asrEngineFor: () => null,
      vad: null,
      text: null,
      assistant: null,
      recorder: archive.recorder,
    });
    const amy = principal('agent', 'amy');
    const call = await manager.open(
      {
        type: 'start',
        lang: 'zh-TW',
        case_id: 'enospc-1',
        format: 'pcm_s16le',
        sample_rate: 16000,
        channels: 1,
        speaker: 'caller',
      },
      amy,
    );
    const seen: string[] = [];
    const seqs: number[] = [];
    call.log.subscribe({
      deliver: (e) => {
        seen.push(e.type === 'error' ? `error:${e.code}` : e.type);
        seqs.push(e.seq);
      },
    });
    call.acceptAudio(new Uint8Array(32_000 * 2));
    // An utterance end writes the call audio so far: acknowledged only because it is on disk.
    expect(
      call.emit({
        type: 'speech_end',
        utterance_id: 'u1',
        speaker: 'caller',
        channel: 0,
        start_ms: 0,
        end_ms: 900,
      }),
    ).not.toBeNull();
    await call.log.settled();
    expect(seen).toContain('speech_end');

    blobs.full = true;
    call.acceptAudio(new Uint8Array(32_000));
    call.emit({
      type: 'speech_end',
      utterance_id: 'u2',
      speaker: 'caller',
      channel: 0,
      start_ms: 1000,
      end_ms: 1400,
    });
    await call.log.settled();
    expect(seen.filter((s) => s === 'speech_end')).toHaveLength(1);
    expect(seen.at(-1)).toBe('error:storage_unavailable');
    // The refused event's seq went to the failure: the stream the client saw has no gap.
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] ?? 0) + i));
    expect(call.storageFailed).toBe(true);
    expect(() => call.acceptAudio(new Uint8Array(320))).toThrow(/could not be stored/);
    expect(health.ok()).toBe(false);
    expect(health.reason()).toMatch(/ENOSPC/);

    await expect(
      manager.open(
        {
          type: 'start',
          lang: 'zh-TW',
          case_id: 'enospc-2',
          format: 'pcm_s16le',
          sample_rate: 16000,
          channels: 1,
          speaker: 'caller',
        },
        amy,
      ),
    ).rejects.toMatchObject({ code: 'storage_unavailable' });

    // Space is back: the probe (a real write to disk and database) turns health green.
    blobs.full = false;
    expect(await health.probe()).toBe(true);
    const again = await manager.open(
      {
        type: 'start',
        lang: 'zh-TW',
        case_id: 'enospc-3',
        format: 'pcm_s16le',
        sample_rate: 16000,
        channels: 1,
        speaker: 'caller',
      },
      amy,
    );
    await again.end('end');
    expect((await archive.repository.getCase('enospc-3'))?.status).toBe('ended');
    await manager.shutdown();
  });
});
