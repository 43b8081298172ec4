/**
 * First run and daily use, the way a newcomer meets the product: the server started with the
 * command `npm start` runs and no settings (an empty data directory, a port), so everything comes
 * from what ships in the repository. No speech-recognition model exists here, which is the case this
 * covers: the first start prints the one-time administrator link and what to do about speech
 * recognition; the administrator signs in through that link; an agent finds the bulky-waste answers
 * by typing; a replayed recording gives real speech events (shipped Silero VAD) but no text, which
 * the call view and the board say; the server restarts in the middle of the call and the desktop
 * resumes the same case; the wrap-up is pre-filled from the typed question and the adopted answer;
 * the agent finds the call in the archive and plays its audio.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav, writeWav } from '../../src/audio/index.js';
import { audioManifest, repoRoot, sharedPaths } from '../shared.js';
import { chromiumMissing, launchBrowser, screenshot, type Browser } from './browser.js';
import type { ServerProcess } from '../crash/server.js';
import { startProduct } from './product.js';

const QUESTION = '我家舊沙發要丟要怎麼叫人來收';
const PASSWORD = 'first-run-e2e-password';
const missing =
  chromiumMissing ??
  (!existsSync(join(repoRoot, 'web', 'dist', 'index.html'))
    ? 'web/dist is not built (npm run build:web)'
    : null) ??
  (!existsSync(sharedPaths.audioDir) ? `recordings missing: ${sharedPaths.audioDir}` : null);
if (missing) console.warn(`[e2e] skipped: ${missing}`);

/** A long call: real 16 kHz recordings one after another with pauses, long enough to restart the server in. */
function longCall(dir: string, seconds: number): string {
  const gap = new Int16Array(16_000);
  const parts: Int16Array[] = [];
  let total = 0;
  const rows = audioManifest().filter((r) => r.sampleRate === 16_000 && r.durationS >= 3);
  for (let i = 0; total < seconds * 16_000; i++) {
    const row = rows[i % rows.length];
    if (!row) break;
    const pcm = readWav(readFileSync(row.path)).channels[0] as Int16Array;
    parts.push(pcm, gap);
    total += pcm.length + gap.length;
  }
  const out = new Int16Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  const file = join(dir, 'long-call.wav');
  writeFileSync(file, writeWav([out], 16_000));
  return file;
}

describe.skipIf(missing !== null)('first run and daily use on the shipped data (Chromium)', () => {
  let server: ServerProcess;
  let browser: Browser;
  let dataDir: string;
  let port: number;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hotline-first-run-'));
    server = await startProduct(dataDir);
    port = Number(new URL(server.url).port);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function signIn(page: Page, username: string): Promise<void> {
    await page.goto(server.url);
    await page.getByLabel('帳號').fill(username);
    await page.getByLabel('密碼').fill(PASSWORD);
    await page.getByRole('button', { name: '登入', exact: true }).click();
    await expect.poll(() => page.getByRole('button', { name: '登出' }).isVisible()).toBe(true);
  }

  it(
    'from an empty data directory: admin setup link, typed search, a call without speech text across a server restart, wrap-up, archive',
    { timeout: 420_000 },
    async () => {
      // The first start says what it needs, once: the administrator link, and how to get speech text.
      const printed = server.output();
      const link = /http:\/\/127\.0\.0\.1:\d+\/#\/setup\/[\w-]+/.exec(printed)?.[0];
      expect(link, printed).toBeDefined();
      expect(printed).toContain('npx hotline-assist models fetch default');
      expect((await fetch(`${server.url}/favicon.ico`)).status).toBe(200);
      const ready = (await fetch(`${server.url}/readyz`)).status;
      expect(ready).toBe(200); // the shipped Silero VAD is loaded

      // The administrator, through the one-time link.
      const admin = await browser.newPage();
      await admin.goto(link as string);
      await admin.getByLabel('密碼（至少 12 個字元）').fill(PASSWORD);
      await admin.getByLabel('再輸入一次密碼').fill(PASSWORD);
      await screenshot(admin, '20-first-run-setup');
      await admin.getByRole('button', { name: '建立管理員並登入' }).click();
      await expect.poll(() => admin.getByText('系統管理員（管理員）').isVisible()).toBe(true);
      const adminToken = await admin.evaluate(
        () =>
          (JSON.parse(sessionStorage.getItem('hotline-assist.session') ?? '{}') as { token: string }).token,
      );
      // The link is spent.
      const again = await fetch(`${server.url}/api/setup`);
      expect(await again.json()).toEqual({ needed: false });
      for (const [username, role] of [
        ['agent1', 'agent'],
        ['super1', 'supervisor'],
      ]) {
        const made = await fetch(`${server.url}/api/users`, {
          method: 'POST',
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            username,
            name: username === 'agent1' ? '林專員' : '陳督導',
            role,
            password: PASSWORD,
          }),
        });
        expect(made.status).toBe(201);
      }

      // An agent types the caller's question (`/` puts the cursor in the box) and gets the bulky-waste answers.
      const agent = await browser.newPage();
      await signIn(agent, 'agent1');
      await agent.keyboard.press('/');
      expect(await agent.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
        '查詢知識庫',
      );
      await agent.keyboard.type(QUESTION);
      await agent.keyboard.press('Enter');
      const found = agent.locator('.desk-search .card');
      await expect.poll(() => found.count(), { timeout: 20_000 }).toBeGreaterThan(0);
      expect(await found.first().locator('.question').textContent()).toContain('大型廢棄物');
      expect(await found.first().locator('.score').textContent()).toMatch(/^信心 \d+%$/);
      expect(await agent.locator('.desk-search .reply .script').textContent()).not.toBe('');
      await screenshot(agent, '21-typed-search');

      // A call: a long recording replayed through the softphone. No speech recognition is configured.
      const recording = longCall(dataDir, 75);
      await agent.getByLabel('選擇錄音檔（WAV）').setInputFiles(recording);
      await agent.getByRole('button', { name: '播放錄音作為來電' }).click();
      await expect
        .poll(() => agent.locator('.call-status').textContent(), { timeout: 15_000 })
        .toBe('通話中');
      const caseNo = (await agent.locator('.callbar .case-id strong').textContent()) ?? '';
      expect(caseNo).toMatch(/^1999-\d{8}-\d{6}$/);
      const caseId = (await agent.locator('.callbar .case-id').getAttribute('data-case-id')) ?? '';
      await expect
        .poll(() => agent.getByText('此通話沒有語音辨識').isVisible(), { timeout: 10_000 })
        .toBe(true);
      expect(await agent.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
        '查詢知識庫',
      );
      // Speech events from the shipped Silero VAD on the real recording: the caller's speech indicator lights up.
      await expect
        .poll(() => agent.locator('.vu.on').count(), { timeout: 20_000, interval: 50 })
        .toBeGreaterThan(0);
      await screenshot(agent, '22-call-without-speech-text');

      // The board says this call has no speech text, under its readable number.
      const supervisor = await browser.newPage();
      await signIn(supervisor, 'super1');
      await supervisor.goto(`${server.url}/#/board`);
      const row = supervisor.locator('table.calls tr', { hasText: caseNo });
      await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
      expect(await row.locator('td.last').textContent()).toContain('無語音文字');
      await screenshot(supervisor, '23-board-no-speech-text');

      // During the call the agent types the question and adopts the answer.
      await agent.getByLabel('查詢知識庫').fill(QUESTION);
      await agent.getByLabel('查詢知識庫').press('Enter');
      const typedCards = agent.locator('.suggestions .card');
      await expect.poll(() => typedCards.count(), { timeout: 20_000 }).toBeGreaterThan(0);
      expect(await agent.locator('.suggestions h2', { hasText: '查詢結果' }).count()).toBe(1);
      const adoptedFaq = await typedCards.first().getAttribute('data-faq');
      await typedCards.first().getByRole('button', { name: '採用' }).click();
      await expect
        .poll(() => agent.locator(`.card[data-faq="${adoptedFaq}"] .adopted-badge`).count(), {
          timeout: 10_000,
        })
        .toBe(1);

      // The server restarts in the middle of the call: the desktop says so, then resumes the same case.
      await server.stop();
      await expect
        .poll(() => agent.locator('.callbar .link').textContent(), { timeout: 15_000 })
        .toContain('伺服器重新啟動中');
      expect(await agent.locator('.call-status').textContent()).not.toBe('通話已結束');
      expect(await agent.locator('.wrapup').count()).toBe(0);
      await screenshot(agent, '24-server-restarting');
      server = await startProduct(dataDir, port);
      console.log(`[e2e] restart with the KB already indexed: ready in ${server.readySeconds} s`);
      // Said once: the administrator exists now, and the speech-recognition notice was given.
      expect(server.output()).not.toContain('/#/setup/');
      expect(server.output()).not.toContain('models fetch default');
      await expect
        .poll(() => agent.locator('.call-status').textContent(), { timeout: 30_000 })
        .toBe('通話中');
      expect(await agent.locator('.callbar .case-id strong').textContent()).toBe(caseNo);
      await expect
        .poll(() => agent.locator('.callbar .link').textContent(), { timeout: 10_000 })
        .toBe('已連線');
      await screenshot(agent, '25-call-resumed');

      // The recording ends: the wrap-up is pre-filled from the typed question and the adopted answer.
      await expect
        .poll(() => agent.locator('.call-status').textContent(), { timeout: 120_000 })
        .toBe('通話已結束');
      const summary = agent.getByLabel('通話摘要');
      await expect.poll(() => summary.inputValue()).toContain(QUESTION);
      expect(await summary.inputValue()).toContain('提供答案：');
      expect(await summary.inputValue()).toContain('大型廢棄物');
      expect(await agent.getByLabel('案件類別').inputValue()).toBe('環境清潔');
      expect(await agent.getByLabel('承辦機關').inputValue()).toBe('環境保護局');
      await screenshot(agent, '26-wrap-up-prefilled');
      await agent.getByRole('button', { name: '送出結案紀錄' }).click();
      await expect
        .poll(() => agent.getByRole('status').filter({ hasText: '已存檔' }).count(), { timeout: 10_000 })
        .toBe(1);
      await agent.getByRole('button', { name: '返回專員桌面' }).click();

      // The archive: the agent finds the call by its number, reads it and plays its audio.
      await agent.getByRole('link', { name: '通話紀錄' }).click();
      await agent.getByLabel('內容或案號').fill(caseNo);
      await agent.getByRole('button', { name: '搜尋' }).click();
      const hit = agent.locator('.archive-results tbody tr');
      await expect.poll(() => hit.count(), { timeout: 10_000 }).toBe(1);
      await hit.getByRole('button', { name: `開啟 ${caseNo}` }).click();
      await expect
        .poll(() => agent.getByRole('heading', { name: new RegExp(`案號 ${caseNo}`) }).count())
        .toBe(1);
      expect(await agent.locator('.case-summary').first().textContent()).toContain(QUESTION);
      expect(await agent.getByText('我家舊沙發要丟要怎麼叫人來收').count()).toBeGreaterThan(0);
      await agent.locator('.audio-list button').first().click();
      const audio = agent.locator('.audio-list audio').first();
      await expect.poll(() => audio.count(), { timeout: 10_000 }).toBe(1);
      await expect
        .poll(() => audio.evaluate((a: HTMLAudioElement) => a.duration), { timeout: 10_000 })
        .toBeGreaterThan(1);
      await screenshot(agent, '27-archive-case');

      // Each action once: the adoption the server echoed during the call, not again from the wrap-up.
      const agentToken = await agent.evaluate(
        () =>
          (JSON.parse(sessionStorage.getItem('hotline-assist.session') ?? '{}') as { token: string }).token,
      );
      const record = (await (
        await fetch(`${server.url}/api/case/${encodeURIComponent(caseId)}`, {
          headers: { authorization: `Bearer ${agentToken}` },
        })
      ).json()) as {
        case_no: string;
        category: string;
        feedback: Array<{ action: string; faq_id: string | null }>;
      };
      expect(record.case_no).toBe(caseNo);
      expect(record.category).toBe('環境清潔');
      expect(record.feedback.filter((f) => f.action === 'adopted' && f.faq_id === adoptedFaq)).toHaveLength(
        1,
      );
    },
  );
});
