import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, requireShared, sharedPaths } from '../../../test/shared.js';

const dataDir = mkdtempSync(join(tmpdir(), 'text-cli-'));
const cli = (args: string[], input = '') =>
  spawnSync(join(repoRoot, 'node_modules/.bin/tsx'), [join(repoRoot, 'src/cli/main.ts'), ...args], {
    input,
    encoding: 'utf8',
    env: {
      ...process.env,
      HOTLINE_DATA_DIR: dataDir,
      HOTLINE_LEXICON_DIR: requireShared(sharedPaths.lexiconDir),
    },
  });

describe('hotline-assist text', () => {
  it('normalizes stdin lines to JSONL, and redacts without echoing the original', () => {
    const plain = cli(['text', 'normalize'], '我住在新义区\n三千五百元\n');
    expect(plain.status).toBe(0);
    const rows = plain.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.text)).toEqual(['我住在信義區。', '3,500元。']);
    expect(rows[0]).toMatchObject({ raw: '我住在新义区', redactions: [] });

    const redacted = cli(['text', 'normalize', '--redact-for', 'archive'], '手機零九一二三四五六七八\n');
    expect(JSON.parse(redacted.stdout)).toEqual(
      expect.objectContaining({
        text: '手機[電話]。',
        redactions: [expect.objectContaining({ type: 'phone' })],
      }),
    );
    expect(redacted.stdout).not.toContain('零九一二');

    const bad = cli(['text', 'normalize', '--steps', 's2t,bogus'], 'x\n');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('invalid_steps');
  });

  it('adds and lists admin terms', () => {
    expect(cli(['text', 'lexicon', 'add', '敬老愛心卡']).status).toBe(0);
    expect(readFileSync(join(dataDir, 'lexicon-extra.txt'), 'utf8')).toBe('敬老愛心卡\n');
    const listed = cli(['text', 'lexicon']).stdout.split('\n');
    expect(listed).toContain('信義區');
    expect(listed).toContain('敬老愛心卡');
  });
});
