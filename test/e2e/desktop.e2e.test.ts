/**
 * The agent desktop and the supervisor board in a real browser against the real server: a real
 * recording is replayed into a call through the desktop's softphone replay mode, Silero VAD cuts it
 * into utterances, and the reference-text ASR test double (no model weights exist here) fills each
 * real segment with part of a citizen's question, so transcript lines, FAQ cards from the real
 * Taipei KB and the wrap-up can be exercised end to end.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startApp, type RunningApp } from '../../src/http/app.js';
import { ReferenceTextEngineDouble } from '../../src/asr/testing/reference-text-engine.js';
import { audioManifest, repoRoot, sharedPaths } from '../shared.js';
import { chromiumMissing, launchBrowser, screenshot, type Browser } from './browser.js';

const webDist = join(repoRoot, 'web', 'dist');
const RECORDING = 'fireredasr/TEST_MEETING_T0000000001_S00000.wav';
// Spread over the recording's duration: the first utterance (≈45 % of it) gets the first question.
const CALLER_SAYS = '請問信義區垃圾車幾點會來大型家具要怎麼丟才可以呢謝謝';
const missing =
  chromiumMissing ??
  (!existsSync(join(webDist, 'index.html')) ? 'web/dist is not built (npm run build:web)' : null) ??
  (!existsSync(sharedPaths.vadModel) ? `VAD model missing: ${sharedPaths.vadModel}` : null);
if (missing) console.warn(`[e2e] skipped: ${missing}`);

describe.skipIf(missing !== null)('agent desktop and supervisor board (Chromium)', () => {
  let app: RunningApp;
  let browser: Browser;
  let dataDir: string;
  const recording = audioManifest().find((r) => r.file === RECORDING);

  beforeAll(async () => {
    if (!recording) throw new Error(`${RECORDING} is not in the manifest`);
    dataDir = mkdtempSync(join(tmpdir(), 'hotline-e2e-'));
    const config = loadConfig({
      env: {
        HOTLINE_DATA_DIR: dataDir,
        HOTLINE_PORT: '0',
        HOTLINE_HOST: '127.0.0.1',
        HOTLINE_LOG_LEVEL: 'warn',
        HOTLINE_WEB_DIR: webDist,
        HOTLINE_KB_SEED: sharedPaths.faq,
        HOTLINE_LEXICON_DIR: sharedPaths.lexiconDir,
        HOTLINE_VAD_MODEL: sharedPaths.vadModel,
        HOTLINE_DEV_SIGN_IN: '1',
      },
    });
    // What the double "hears" over the recording's two real utterances (the recording itself is a
    // meeting; a hotline question makes the FAQ cards meaningful). One call at a time here.
    const reference = { text: CALLER_SAYS, durationMs: recording.durationS * 1000 };
    app = await startApp(config, { asrEngine: new ReferenceTextEngineDouble(() => reference) });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function signIn(page: Page, name: string, role: 'agent' | 'supervisor'): Promise<void> {
    await page.goto(app.url);
    await page.getByLabel('顯示名稱').fill(name);
    await page.getByLabel('角色').selectOption(role);
    await page.getByRole('button', { name: '以開發身分登入' }).click();
    await expect.poll(() => page.getByText('開發用登入').first().isVisible()).toBe(true);
  }

  it('follows a replayed call live, adopts a suggestion by keyboard, files the wrap-up; a supervisor watches', async () => {
    const agent = await browser.newPage();
    await agent.goto(app.url);
    await expect.poll(() => agent.getByRole('heading', { name: '登入', exact: true }).isVisible()).toBe(true);
    await screenshot(agent, '01-sign-in');
    await signIn(agent, '王小明', 'agent');

    // Softphone replay mode: the browser decodes the WAV and streams it at real-time pace.
    await agent.getByLabel('選擇錄音檔（WAV）').setInputFiles(join(sharedPaths.audioDir, RECORDING));
    await agent.getByRole('button', { name: '播放錄音作為來電' }).click();
    await expect.poll(() => agent.locator('.call-status').textContent(), { timeout: 10_000 }).toBe('通話中');
    const caseId = (await agent.locator('.callbar .case-id strong').textContent()) ?? '';
    expect(caseId).not.toBe('');

    // Transcript lines from real VAD segments, finals replacing partials in place.
    const finals = agent.locator('.line.final');
    await expect.poll(() => finals.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    const firstLine = (await finals.first().locator('.text').textContent()) ?? '';
    expect(firstLine.length).toBeGreaterThan(0);

    // FAQ cards for what the caller said.
    const cards = agent.locator('.card');
    await expect.poll(() => cards.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => agent.locator('.reply .script').count(), { timeout: 10_000 }).toBe(1);
    await screenshot(agent, '02-live-call');

    // A supervisor sees the live call on the board and drills into it read-only.
    const supervisor = await browser.newPage();
    await signIn(supervisor, '陳督導', 'supervisor');
    await supervisor.goto(`${app.url}/#/board`);
    const row = supervisor.locator('table.calls tr', { hasText: caseId });
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => row.locator('td').nth(3).textContent()).toMatch(/^\d\d:\d\d$/);
    await screenshot(supervisor, '03-supervisor-board');
    await row.getByRole('button', { name: /監看/ }).click();
    await expect
      .poll(() => supervisor.locator('.line.final').count(), { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(await supervisor.getByRole('button', { name: '採用' }).count()).toBe(0);
    await screenshot(supervisor, '04-supervisor-drilldown');

    // Keyboard: Alt+N selects the first FAQ card, Alt+A adopts it; the server echoes the choice.
    await agent.keyboard.press('Alt+N');
    const selected = agent.locator('.card.selected');
    await expect.poll(() => selected.count()).toBe(1);
    const adoptedFaq = await selected.getAttribute('data-faq');
    await agent.keyboard.press('Alt+A');
    await expect
      .poll(() => agent.locator(`.card[data-faq="${adoptedFaq}"] .adopted-badge`).count(), {
        timeout: 10_000,
      })
      .toBe(1);
    await screenshot(agent, '05-adopted');

    // The recording ends, the call closes, the wrap-up opens pre-filled.
    await expect
      .poll(() => agent.locator('.call-status').textContent(), { timeout: 60_000 })
      .toBe('通話已結束');
    const summary = agent.getByLabel('通話摘要');
    await expect.poll(() => summary.inputValue()).toContain('民眾來電：');
    expect(await summary.inputValue()).toContain('參考問答：');
    expect(await agent.getByLabel('承辦機關').inputValue()).not.toBe('');
    await agent.getByLabel('案件類別').selectOption('其他');
    await agent.getByLabel('備註').fill('端對端測試：民眾詢問，已提供資訊。');
    await screenshot(agent, '06-wrap-up');
    await agent.getByRole('button', { name: '送出結案紀錄' }).click();
    await expect
      .poll(() => agent.getByRole('status').filter({ hasText: '已存檔' }).count(), { timeout: 10_000 })
      .toBe(1);
    await screenshot(agent, '07-saved');

    // The archive has the record, with the adopted suggestion.
    const token = await agent.evaluate(
      () =>
        (JSON.parse(sessionStorage.getItem('hotline-assist.session') ?? '{}') as { token?: string }).token,
    );
    const response = await fetch(`${app.url}/api/case/${encodeURIComponent(caseId)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const record = JSON.stringify(await response.json());
    expect(record).toContain(caseId);
    expect(record).toContain(adoptedFaq as string);
    expect(record).toContain('adopted');
    expect(record).toContain('端對端測試');
  });
});
