/**
 * The agent desktop and the supervisor board in a real browser against the real server: a real
 * recording is replayed into a call through the desktop's softphone replay mode, Silero VAD cuts it
 * into utterances, and the reference-text ASR test double (no model weights exist here) fills each
 * real segment with part of a citizen's question, so transcript lines, FAQ cards from the real
 * Taipei KB and the wrap-up can be exercised end to end.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav, writeWav } from '../../src/audio/index.js';
import { loadConfig } from '../../src/config/index.js';
import { startApp, type RunningApp } from '../../src/http/app.js';
import { ReferenceTextEngineDouble } from '../../src/asr/testing/reference-text-engine.js';
import { audioManifest, repoRoot, sharedPaths } from '../shared.js';
import { chromiumMissing, launchBrowser, screenshot, type Browser } from './browser.js';

const webDist = join(repoRoot, 'web', 'dist');
const RECORDING = 'fireredasr/TEST_MEETING_T0000000001_S00000.wav';
// Spread over the recording's duration: the first utterance (≈45 % of it) gets the first question.
const CALLER_SAYS = '請問信義區垃圾車幾點會來大型家具要怎麼丟才可以呢謝謝';
const EDITED = '您好，大型家具請先打電話預約清運，我們再告訴您時間。';
const missing =
  chromiumMissing ??
  (!existsSync(join(webDist, 'index.html')) ? 'web/dist is not built (npm run build:web)' : null) ??
  (!existsSync(sharedPaths.vadModel) ? `VAD model missing: ${sharedPaths.vadModel}` : null);
if (missing) console.warn(`[e2e] skipped: ${missing}`);

describe.skipIf(missing !== null)('agent desktop and supervisor board (Chromium)', () => {
  let app: RunningApp;
  let browser: Browser;
  let dataDir: string;
  let paddedRecording: string;
  const recording = audioManifest().find((r) => r.file === RECORDING);

  beforeAll(async () => {
    if (!recording) throw new Error(`${RECORDING} is not in the manifest`);
    dataDir = mkdtempSync(join(tmpdir(), 'hotline-e2e-'));
    // The recording, then 20 s of silence: the call stays up after the caller's last words, so
    // nothing new arrives while the agent works on the last suggestion.
    const speech = readWav(readFileSync(recording.path));
    const padded = (speech.channels[0] as Int16Array).slice();
    const withSilence = new Int16Array(padded.length + speech.sampleRate * 20);
    withSilence.set(padded);
    paddedRecording = join(dataDir, 'recording-then-silence.wav');
    writeFileSync(paddedRecording, writeWav([withSilence], speech.sampleRate));
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

  it('follows a replayed call live, acts by keyboard on what is on screen, files the wrap-up; a supervisor watches and reads the archive', async () => {
    const agent = await browser.newPage();
    await agent.goto(app.url);
    await expect.poll(() => agent.getByRole('heading', { name: '登入', exact: true }).isVisible()).toBe(true);
    // The dev sign-in has no password: it never offers the administrator role.
    expect(await agent.getByLabel('角色').locator('option').allTextContents()).toEqual(['話務專員', '督導']);
    await screenshot(agent, '01-sign-in');
    await signIn(agent, '王小明', 'agent');

    // Softphone replay mode: the browser decodes the WAV and streams it at real-time pace.
    await agent.getByLabel('選擇錄音檔（WAV）').setInputFiles(paddedRecording);
    await agent.getByRole('button', { name: '播放錄音作為來電' }).click();
    await expect.poll(() => agent.locator('.call-status').textContent(), { timeout: 10_000 }).toBe('通話中');
    const caseId = (await agent.locator('.callbar .case-id').getAttribute('data-case-id')) ?? '';
    expect(caseId).not.toBe('');
    const caseNo = (await agent.locator('.callbar .case-id strong').textContent()) ?? '';
    expect(caseNo).toMatch(/^1999-\d{8}-\d{6}$/);

    // Transcript lines from real VAD segments, finals replacing partials in place; cards for the first.
    const finals = agent.locator('.line.final');
    await expect.poll(() => finals.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    const firstLine = (await finals.first().locator('.text').textContent()) ?? '';
    expect(firstLine.length).toBeGreaterThan(0);
    const cards = agent.locator('.card');
    await expect.poll(() => cards.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => agent.locator('.reply .script').count(), { timeout: 10_000 }).toBe(1);
    const firstUtterance = await agent.locator('.reply').getAttribute('data-utterance');
    await screenshot(agent, '02-live-call');

    // Alt+N selects the first card: the agent is reading, so the next utterance's suggestion waits.
    await agent.keyboard.press('Alt+N');
    const selected = agent.locator('.card.selected');
    await expect.poll(() => selected.count()).toBe(1);
    const adoptedFaq = await selected.getAttribute('data-faq');
    await expect.poll(() => finals.count(), { timeout: 30_000 }).toBe(2);
    await expect
      .poll(() => agent.getByRole('button', { name: '有新建議，點此更新' }).count(), { timeout: 10_000 })
      .toBe(1);
    expect(await agent.locator('.reply').getAttribute('data-utterance')).toBe(firstUtterance);
    await screenshot(agent, '03-newer-waiting');

    // Alt+A acts on the card on screen (the first utterance's), echoed by the server; then focus leaves
    // the suggestion area and the panel follows the newest utterance.
    await agent.keyboard.press('Alt+A');
    await expect.poll(() => agent.getByText('已採用：').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await agent.evaluate(() => Boolean(document.activeElement?.closest('.suggestions')))).toBe(false);
    const lastUtterance = await finals.last().getAttribute('data-utterance');
    await expect
      .poll(() => agent.locator('.reply').getAttribute('data-utterance'), { timeout: 10_000 })
      .toBe(lastUtterance);
    await screenshot(agent, '04-follows-newest');

    // Alt+E edits the reply on screen; the panel then shows the agent's version, marked as edited.
    await agent.keyboard.press('Alt+E');
    const editBox = agent.getByLabel('修改回覆內容');
    await expect.poll(() => editBox.isVisible()).toBe(true);
    await editBox.fill(EDITED);
    await agent.getByRole('button', { name: '送出修改' }).click();
    await expect.poll(() => agent.locator('.reply .script').textContent(), { timeout: 10_000 }).toBe(EDITED);
    expect(await agent.locator('.reply .status-edited').textContent()).toBe('已修改採用');
    await screenshot(agent, '05-edited');

    // A supervisor sees the live call on the board and drills into it read-only.
    const supervisor = await browser.newPage();
    await signIn(supervisor, '陳督導', 'supervisor');
    await supervisor.goto(`${app.url}/#/board`);
    const row = supervisor.locator('table.calls tr', { hasText: caseNo });
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => row.locator('td').nth(3).textContent()).toMatch(/^\d\d:\d\d$/);
    await screenshot(supervisor, '06-supervisor-board');
    await row.getByRole('button', { name: /監看/ }).click();
    await expect
      .poll(() => supervisor.locator('.line.final').count(), { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(await supervisor.getByRole('button', { name: '採用' }).count()).toBe(0);
    await screenshot(supervisor, '07-supervisor-drilldown');

    // The recording ends, the call closes, the wrap-up opens pre-filled.
    await expect
      .poll(() => agent.locator('.call-status').textContent(), { timeout: 60_000 })
      .toBe('通話已結束');
    const summary = agent.getByLabel('通話摘要');
    await expect.poll(() => summary.inputValue()).toContain('民眾詢問：');
    expect(await summary.inputValue()).toContain('提供答案：');
    expect(await summary.inputValue()).toContain(`回覆內容：${EDITED}`);
    expect(await agent.getByLabel('承辦機關').inputValue()).not.toBe('');
    expect(await agent.getByLabel('案件類別').inputValue()).not.toBe('');
    await agent.getByLabel('案件類別').selectOption('其他');
    await agent.getByLabel('備註').fill('端對端測試：民眾詢問，已提供資訊。');
    await screenshot(agent, '08-wrap-up');
    await agent.getByRole('button', { name: '送出結案紀錄' }).click();
    await expect
      .poll(() => agent.getByRole('status').filter({ hasText: '已存檔' }).count(), { timeout: 10_000 })
      .toBe(1);
    await screenshot(agent, '09-saved');

    // The archive has the record, with the adopted suggestion.
    const token = await agent.evaluate(
      () =>
        (JSON.parse(sessionStorage.getItem('hotline-assist.session') ?? '{}') as { token?: string }).token,
    );
    const response = await fetch(`${app.url}/api/case/${encodeURIComponent(caseId)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const record = (await response.json()) as {
      case_no: string;
      notes: string;
      feedback: Array<{
        action: string;
        faq_id: string | null;
        utterance_id: string | null;
        text: string | null;
      }>;
    };
    expect(record.case_no).toBe(caseNo);
    expect(record.notes).toContain('端對端測試');
    // Each action once (the live echo archived it; the wrap-up does not send it again), the edit as edited.
    expect(record.feedback.filter((f) => f.action === 'adopted' && f.faq_id === adoptedFaq)).toHaveLength(1);
    expect(
      record.feedback.filter((f) => f.action === 'adopted' && f.utterance_id === firstUtterance),
    ).toHaveLength(1);
    expect(record.feedback.filter((f) => f.action === 'edited')).toEqual([
      expect.objectContaining({ utterance_id: lastUtterance, text: EDITED }),
    ]);

    // The supervisor reads the archived call: transcript, suggestions and actions, and its audio.
    await supervisor.getByRole('link', { name: '通話紀錄' }).click();
    const archived = supervisor.locator('.archive-results tbody tr', { hasText: caseNo });
    await expect.poll(() => archived.count(), { timeout: 10_000 }).toBe(1);
    await archived.getByRole('button', { name: `開啟 ${caseNo}` }).click();
    await expect
      .poll(() => supervisor.locator('.record-lines .line').count(), { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(await supervisor.locator('.record-action.action-edited').textContent()).toContain(
      '大型家具請先打電話',
    );
    expect(await supervisor.locator('.record-action.action-adopted').count()).toBe(1);
    await supervisor.locator('.record-lines button', { hasText: '播放' }).first().click();
    const clip = supervisor.locator('.record-lines audio').first();
    await expect
      .poll(() => clip.evaluate((a: HTMLAudioElement) => a.duration), { timeout: 10_000 })
      .toBeGreaterThan(0.2);
    await screenshot(supervisor, '10-archive-supervisor');
  });
});
