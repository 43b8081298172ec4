import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createArchive } from '../../src/cases/index.js';
import { createRedactingTextDouble } from '../../src/cases/testing/text-double.js';
import { principal } from '../../src/cases/testing/fixtures.js';
import { createLogger, loadConfig } from '../../src/config/index.js';
import { openStore } from '../../src/store/index.js';
import { repoRoot } from '../shared.js';

/** Runs archive-load.ts until `acks` items are acknowledged, then SIGKILLs it; returns what it printed. */
async function loadThenKill(dataDir: string, acks: number): Promise<string[]> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'test/crash/archive-load.ts'), dataDir],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not enough acknowledgements in 60 s:\n${err}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // `ready`, then `acks` whole lines (the last element is the line still being written).
      if (out.split('\n').length > acks + 1) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`archive-load exited (${code}):\n${err}`)));
  });
  child.kill('SIGKILL');
  await exited;
  // A line cut by the kill was not fully acknowledged yet.
  return out.split('\n').slice(0, -1);
}

describe('crash safety: SIGKILL while many calls are archived at once', () => {
  it(
    'keeps every acknowledged final and utterance audio of 16 concurrent calls',
    { timeout: 120_000 },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'hotline-crash-archive-'));
      const lines = await loadThenKill(dataDir, 600);
      const acked = lines.filter((l) => l.startsWith('final ') || l.startsWith('audio '));
      expect(acked.length).toBeGreaterThanOrEqual(600);
      // Acknowledgements came from every call, not one at a time.
      expect(new Set(acked.map((l) => l.split(' ')[1])).size).toBe(16);

      const store = await openStore({ sqliteFile: join(dataDir, 'hotline.db') });
      try {
        const archive = await createArchive({
          store,
          config: loadConfig({ env: {}, overrides: { dataDir, logLevel: 'silent' } }),
          text: createRedactingTextDouble(),
          logger: createLogger('silent'),
        });
        const sup = { principal: principal('supervisor'), source: '127.0.0.1' };
        const views = new Map<string, Awaited<ReturnType<typeof archive.cases.get>>>();
        for (const line of acked) {
          const [kind, caseId = '', utteranceId] = line.split(' ');
          if (!views.has(caseId)) views.set(caseId, await archive.cases.get(caseId, sup));
          const view = views.get(caseId);
          expect(view?.status).toBe('interrupted');
          if (kind === 'final') {
            expect(view?.transcript.find((u) => u.utterance_id === utteranceId)).toMatchObject({
              text: `第${utteranceId?.slice(1)}句。`,
            });
          } else {
            const segment = view?.audio.find((a) => a.segment_id === utteranceId);
            expect(segment).toMatchObject({ kind: 'utterance' });
            // The file is there and whole: its checksum is the one recorded.
            expect(
              await archive.blobs.get(`cases/${caseId}/${utteranceId}.wav`, segment?.sha256),
            ).not.toBeNull();
          }
        }
      } finally {
        await store.close();
      }
    },
  );
});
