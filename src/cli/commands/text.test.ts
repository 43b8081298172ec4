import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, requireShared, sharedPaths } from '../../../test/shared.js';
import { loadConfig } from '../../config/index.js';
import { startApp, type RunningApp } from '../../http/app.js';
import { createTextNormalizer } from '../../text/index.js';
import { textConfig } from '../../text/testing/fixtures.js';

const dataDir = mkdtempSync(join(tmpdir(), 'text-cli-'));
const lexiconDir = requireShared(sharedPaths.lexiconDir);
const seed = requireShared(sharedPaths.faq);
const cli = (args: string[], input = '', env: Record<string, string | undefined> = {}) =>
  spawnSync(join(repoRoot, 'node_modules/.bin/tsx'), [join(repoRoot, 'src/cli/main.ts'), ...args], {
    input,
    encoding: 'utf8',
    env: {
      ...process.env,
      HOTLINE_DATA_DIR: dataDir,
      HOTLINE_LEXICON_DIR: lexiconDir,
      // The same KB the server below is seeded with: its answers' office numbers are public.
      HOTLINE_KB_SEED: seed,
      ...env,
    },
  });
const jsonLines = (stdout: string): unknown[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown);

describe('hotline-assist text', () => {
  it('normalizes stdin lines to JSONL, and redacts without echoing the original', () => {
    const plain = cli(['text', 'normalize'], '我住在新义区\n三千五百元\n');
    expect(plain.status).toBe(0);
    const rows = jsonLines(plain.stdout) as { text: string }[];
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

  it('writes only data on stdout: logs (here the missing-lexicon warning) go to stderr', () => {
    const run = cli(['text', 'normalize'], '哪里\n', { HOTLINE_LEXICON_DIR: '', HOTLINE_LOG_LEVEL: 'info' });
    expect(run.status).toBe(0);
    expect(jsonLines(run.stdout)).toEqual([expect.objectContaining({ raw: '哪里', text: '哪裡？' })]);
    expect(run.stderr).toContain('no lexicon folder configured');
  });

  it('adds and lists admin terms', () => {
    expect(cli(['text', 'lexicon', 'add', '敬老愛心卡']).status).toBe(0);
    expect(readFileSync(join(dataDir, 'lexicon-extra.txt'), 'utf8')).toBe('敬老愛心卡\n');
    const listed = cli(['text', 'lexicon']).stdout.split('\n');
    expect(listed).toContain('信義區');
    expect(listed).toContain('敬老愛心卡');
  });
});

describe('hotline-assist text normalize and POST /api/text/normalize', () => {
  const TOKEN = 'text-cli-rest-admin-token-7f3a9c2e5b81';
  let app: RunningApp;
  beforeAll(async () => {
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: mkdtempSync(join(tmpdir(), 'text-rest-')),
        logLevel: 'silent',
        server: { port: 0, host: '127.0.0.1' },
        text: { lexiconDir },
        knowledge: { seed },
        auth: { adminToken: TOKEN },
      },
    });
    app = await startApp(config, { listen: false, asrEngine: null });
  }, 60_000);
  afterAll(() => app?.close());

  // Office numbers that only the KB's answers publish (not the agency contacts file).
  const KB_OFFICE_LINES = ['監理所的電話是02-27630155嗎', '新北市交通局電話02-2960-3456分機12'];
  const LINES = [
    '我想问一下信义区的垃圾车几点来',
    '哪里',
    '后台',
    '干嘛',
    '嗯那个我住在新义区的福德里电话是零九一二三四五六七八',
    '我家电话是(02)2345-6789分机123，晚上都在',
    ...KB_OFFICE_LINES,
    '请洽客服专线02-2345-6789',
    '身分证A123456789，信用卡4111 1111 1111 1111',
    '我住在忠孝东路四段100巷2弄3号5楼',
    '三千五百元',
  ];
  const rest = async (body: Record<string, unknown>) => {
    const res = await app.server.inject({
      method: 'POST',
      url: '/api/text/normalize',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { lines: LINES, ...body },
    });
    expect(res.statusCode).toBe(200);
    return (res.json() as { results: unknown[] }).results;
  };

  it('give identical answers for identical lines and options; both keep the office numbers the KB publishes', async () => {
    const modes: { args: string[]; body: Record<string, unknown> }[] = [
      { args: [], body: {} },
      { args: ['--redact-for', 'archive'], body: { redact_for: 'archive' } },
      {
        args: ['--steps', 's2t,itn', '--redact-for', 'display', '--partial'],
        body: { steps: ['s2t', 'itn'], redact_for: 'display', final: false },
      },
    ];
    const answers = [];
    for (const { args, body } of modes) {
      const run = cli(['text', 'normalize', ...args], `${LINES.join('\n')}\n`);
      expect(run.status, run.stderr).toBe(0);
      const fromCli = jsonLines(run.stdout);
      expect(fromCli).toEqual(await rest(body));
      answers.push(fromCli as { text: string; redactions: unknown[] }[]);
    }
    const archived = answers[1] ?? [];
    expect(archived[LINES.indexOf('我家电话是(02)2345-6789分机123，晚上都在')]?.text).toBe(
      '我家電話是[電話]，晚上都在。',
    );
    // A stage without the KB would redact these; the CLI, built like the server, keeps them.
    const bare = await createTextNormalizer({
      config: textConfig(mkdtempSync(join(tmpdir(), 'text-bare-')), { lexiconDir }),
    });
    for (const line of KB_OFFICE_LINES) {
      expect(bare.normalize(line, { steps: ['redact'] }).redactions).toHaveLength(1);
      expect(archived[LINES.indexOf(line)]).toMatchObject({
        text: expect.stringContaining(line),
        redactions: [],
      });
    }
  }, 60_000);
});
