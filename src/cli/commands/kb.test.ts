import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot, sharedPaths } from '../../../test/shared.js';

const run = promisify(execFile);

async function cli(
  args: string[],
  dataDir: string,
): Promise<{ stdout: string; stderr: string; code: number }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOTLINE_DATA_DIR: dataDir,
    HOTLINE_LEXICON_DIR: sharedPaths.lexiconDir,
    HOTLINE_LOG_LEVEL: 'warn',
    // Empty = no seed: these tests import their own small KBs, not the shipped Taipei FAQ.
    HOTLINE_KB_SEED: '',
  };
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: repoRoot,
      env,
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

const kb = [
  { id: 'c1', question: '悠遊卡遺失該怎麼辦？', answer: '請向悠遊卡公司掛失。', agency: '交通局' },
  { id: 'g1', question: '信義區垃圾車幾點來？', answer: '晚上七點。', agency: '環境保護局' },
  { id: 's1', question: '如何申請低收入戶？', answer: '向區公所申請。', agency: '社會局' },
];

describe('kb and eval commands', () => {
  it(
    'imports a file, searches it, and evaluates retrieval with a JSON last line',
    { timeout: 120_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hotline-kb-cli-'));
      const kbFile = join(dir, 'kb.jsonl');
      writeFileSync(kbFile, kb.map((e) => JSON.stringify(e)).join('\n'));
      const queries = join(dir, 'q.jsonl');
      writeFileSync(
        queries,
        [
          { query: '我的悠遊卡掉了', gold_ids: ['c1'] },
          { query: '新義區垃圾車什麼時候來', gold_ids: ['g1'] },
          { query: '明天會下雨嗎', gold_ids: [] },
        ]
          .map((q) => JSON.stringify(q))
          .join('\n'),
      );

      const imported = await cli(['kb', 'import', kbFile, '--kb', 'demo', '--json'], dir);
      expect(imported.code).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({
        kb: 'demo',
        created: true,
        version: { version: 1, added: 3 },
      });

      const search = await cli(['kb', 'search', '悠遊卡不見了', '--kb', 'demo', '--json'], dir);
      expect(JSON.parse(search.stdout).results[0]).toMatchObject({ faq_id: 'c1', tier: 'hot' });

      const evaluated = await cli(['eval', 'retrieval', '--kb', kbFile, '--queries', queries, '--json'], dir);
      expect(evaluated.code).toBe(0);
      const last = JSON.parse(evaluated.stdout.trim().split('\n').at(-1) as string);
      expect(Object.keys(last.all)).toEqual(
        expect.arrayContaining([
          'n',
          'recall1',
          'recall3',
          'recall10',
          'mrr',
          'hot_precision',
          'out_of_scope_hot',
        ]),
      );
      expect(last.all).toMatchObject({ n: 2, recall1: 1, mrr: 1, out_of_scope: 1, out_of_scope_hot: 0 });

      const unknown = await cli(['kb', 'versions', '--kb', 'nope'], dir);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr.trim()).toBe('hotline-assist: [unknown_kb] no knowledge base "nope"');
    },
  );
});
