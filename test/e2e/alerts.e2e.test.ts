/**
 * An emergency in a real browser against the real server: a real recording is replayed into a call
 * from the agent desktop, and the reference-text ASR test double (no model weights exist here)
 * makes the caller report a kitchen fire. The agent's panel puts the alert — 119 and the script to
 * read — above everything until the agent acknowledges it; the supervisor board chimes, and the
 * supervisor acknowledges it, notes the outcome and takes the call over; the case record has it all.
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
const RECORDING = 'paraformer-zh-2023-03-28/0.wav';
const CALLER_SAYS = '失火了我家廚房整個燒起來了我出不去快來救我';
const missing =
  chromiumMissing ??
  (!existsSync(join(webDist, 'index.html')) ? 'web/dist is not built (npm run build:web)' : null) ??
  (!existsSync(sharedPaths.vadModel) ? `VAD model missing: ${sharedPaths.vadModel}` : null);
if (missing) console.warn(`[e2e] skipped: ${missing}`);

describe.skipIf(missing !== null)(
  'emergency alerts on the desktop and the supervisor board (Chromium)',
  () => {
    let app: RunningApp;
    let browser: Browser;
    let dataDir: string;
    const recording = audioManifest().find((r) => r.file === RECORDING);

    beforeAll(async () => {
      if (!recording) throw new Error(`${RECORDING} is not in the manifest`);
      dataDir = mkdtempSync(join(tmpdir(), 'hotline-e2e-alerts-'));
      const config = loadConfig({
        env: {
          HOTLINE_DATA_DIR: dataDir,
          HOTLINE_PORT: '0',
          HOTLINE_HOST: '127.0.0.1',
          HOTLINE_LOG_LEVEL: 'warn',
          HOTLINE_WEB_DIR: webDist,
          HOTLINE_KB_SEED: sharedPaths.faq,
          HOTLINE_VAD_MODEL: sharedPaths.vadModel,
          HOTLINE_DEV_SIGN_IN: '1',
        },
      });
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

    it('puts the alert above everything for the agent until acknowledged; the supervisor hears it and acts', async () => {
      // The board's chime is Web Audio: count the tones it starts.
      const supervisor = await browser.newPage();
      await supervisor.addInitScript(() => {
        const start = OscillatorNode.prototype.start;
        (window as unknown as { chimes: number }).chimes = 0;
        OscillatorNode.prototype.start = function (...args: Parameters<typeof start>) {
          (window as unknown as { chimes: number }).chimes++;
          return start.apply(this, args);
        };
      });
      await signIn(supervisor, '陳督導', 'supervisor');
      await supervisor.goto(`${app.url}/#/board`);
      await expect.poll(() => supervisor.getByText('目前沒有警示。').isVisible()).toBe(true);

      const agent = await browser.newPage();
      await signIn(agent, '王小明', 'agent');
      await agent.getByLabel('選擇錄音檔（WAV）').setInputFiles(join(sharedPaths.audioDir, RECORDING));
      await agent.getByRole('button', { name: '播放錄音作為來電' }).click();
      await expect
        .poll(() => agent.locator('.call-status').textContent(), { timeout: 10_000 })
        .toBe('通話中');
      const caseId = (await agent.locator('.callbar .case-id').getAttribute('data-case-id')) ?? '';
      const caseNo = (await agent.locator('.callbar .case-id strong').textContent()) ?? '';
      expect(caseNo).toMatch(/^1999-\d{8}-\d{6}$/);

      // The agent: the alert is the first thing in the call view, with the line and the script.
      const banner = agent.locator('.alert-banner');
      await expect.poll(() => banner.count(), { timeout: 30_000 }).toBe(1);
      expect(await agent.locator('.call > :first-child').getAttribute('class')).toBe('alert-banners');
      expect(await banner.locator('h2').textContent()).toContain('火災或瓦斯');
      expect(await banner.locator('.protocol').textContent()).toContain('119');
      const script = (await banner.locator('.alert-script').textContent()) ?? '';
      expect(script).toContain('地址');
      expect(script).toContain('119');
      await screenshot(agent, 'alert-01-agent-banner');

      // The supervisor: the alert arrives with a chime, open until someone picks it up; it names
      // the call by the number the agent sees.
      const item = supervisor.locator('.alert-feed li.alert', { hasText: caseNo });
      await expect.poll(() => item.count(), { timeout: 15_000 }).toBe(1);
      expect(await item.getAttribute('class')).toContain('open');
      expect(await item.textContent()).toContain('消防救護 119');
      await expect
        .poll(() => supervisor.evaluate(() => (window as unknown as { chimes: number }).chimes))
        .toBeGreaterThan(0);
      await screenshot(supervisor, 'alert-02-board-chime');
      await item.getByRole('button', { name: '確認警示' }).click();
      await expect.poll(() => item.textContent(), { timeout: 10_000 }).toContain('督導已確認（');
      expect(await item.getAttribute('class')).not.toContain('open');

      // Acknowledging on the board does not clear the agent's banner; the agent's own does.
      expect(await banner.count()).toBe(1);
      await banner.getByRole('button', { name: '已確認，開始處理' }).click();
      await expect.poll(() => agent.locator('.alert-banner').count(), { timeout: 10_000 }).toBe(0);
      await expect.poll(() => item.textContent(), { timeout: 10_000 }).toContain('專員：已確認');

      // The outcome, then the take-over opens the call for the supervisor.
      await item.getByLabel('處置結果').fill('已轉接119，消防車出動');
      await item.getByRole('button', { name: '記錄' }).click();
      await expect
        .poll(() => item.textContent(), { timeout: 10_000 })
        .toContain('處置結果：已轉接119，消防車出動');
      await screenshot(supervisor, 'alert-03-board-handled');
      await item.getByRole('button', { name: '接手並監看' }).click();
      await expect.poll(() => supervisor.locator('.callbar .case-id strong').textContent()).toBe(caseNo);
      await screenshot(supervisor, 'alert-04-taken-over');

      // The case record has every step.
      const token = await supervisor.evaluate(
        () =>
          (JSON.parse(sessionStorage.getItem('hotline-assist.session') ?? '{}') as { token?: string }).token,
      );
      await expect
        .poll(
          async () => {
            const res = await fetch(`${app.url}/api/case/${encodeURIComponent(caseId)}`, {
              headers: { authorization: `Bearer ${token}` },
            });
            return res.ok ? JSON.stringify(await res.json()) : '';
          },
          { timeout: 15_000 },
        )
        .toContain('alert_take_over');
      const record = await (
        await fetch(`${app.url}/api/case/${encodeURIComponent(caseId)}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).text();
      for (const step of ['alert_critical', 'alert_acknowledge', 'alert_outcome', '消防車出動'])
        expect(record).toContain(step);
    });
  },
);
