/**
 * A real SIP phone: Debian's baresip, headless, dials the product with a WAV file as its
 * microphone (aufile source, aubridge as a null player) and hangs up at the end of the file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioManifest } from '../../../test/shared.js';
import {
  checkCall,
  bootIngressApp,
  g711,
  locate,
  measure,
  recording,
  type IngressTestApp,
} from '../testing/harness.js';
import { freeUdpPort } from '../testing/sipp.js';

const baresipAvailable = spawnSync('baresip', ['-h'], { encoding: 'utf8' }).status !== null;
if (!baresipAvailable)
  console.warn('[baresip test] skipped: baresip is not installed (apt-get install baresip)');

const FILE = 'paraformer-zh-2023-03-28/8k.wav';

describe.skipIf(!baresipAvailable)('baresip places a call', () => {
  let t: IngressTestApp;
  beforeAll(async () => {
    t = await bootIngressApp({ sipPort: 0, agentExtensions: ['1001=agent-7'] });
  });
  afterAll(async () => t?.app.close());

  it('a WAV as the microphone → speech events and the archived call holds the recording', async () => {
    const wav = audioManifest().find((r) => r.file === FILE)?.path as string;
    const dir = mkdtempSync(join(tmpdir(), 'hotline-baresip-'));
    const listen = await freeUdpPort();
    writeFileSync(
      join(dir, 'config'),
      [
        'poll_method epoll',
        `sip_listen 127.0.0.1:${listen}`,
        `audio_source aufile,${wav}`,
        'audio_player aubridge,nil',
        'audio_alert aubridge,nil',
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module aufile.so',
        'module aubridge.so',
        'module menu.so',
        'module account.so',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'accounts'), '<sip:citizen@127.0.0.1>;regint=0;audio_codecs=PCMU\n');
    writeFileSync(join(dir, 'contacts'), '');
    const port = t.app.telephony.sip?.port ?? 0;
    const phone = spawn('baresip', ['-f', dir, '-e', `/dial sip:1001@127.0.0.1:${port}`, '-t', '15'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    phone.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => phone.on('close', resolve));
    const until = Date.now() + 10_000;
    while (t.app.calls.list().length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    const caseId = t.app.calls.list()[0]?.case_id;
    expect(caseId, output.slice(-2000)).toBeDefined();
    const call = await checkCall(t, caseId as string, []);
    phone.kill();
    await exited;
    expect(output).toMatch(/Call established/);
    expect(call.speech.caller).toBeGreaterThanOrEqual(1);
    expect(call.archived.agentId).toBe('agent-7');
    const sent = g711(recording(FILE));
    const archived = call.archived.channels[0] as Int16Array;
    // The phone's first and last 20 ms frames may be cut; everything between is there sample for sample.
    expect(locate(sent.subarray(160, sent.length - 160), archived)).toBeGreaterThanOrEqual(0);
    const [a, b] = [measure(sent, 8000), measure(archived, 8000)];
    expect(Math.abs(a.activeMs - b.activeMs)).toBeLessThan(50);
    expect(Math.abs(a.levelDb - b.levelDb)).toBeLessThan(0.2);
  }, 60_000);
});
