/**
 * SIP and SIPREC with a real peer: Debian's sipp places the calls and plays RTP from pcaps made
 * here out of the shared recordings. Each call must end with speech events on the desktop stream
 * and an archived case holding the very samples that were sent.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  archivedCall,
  bootIngressApp,
  desktopEvents,
  g711,
  locate,
  measure,
  recording,
  speechEvents,
  type IngressTestApp,
} from '../testing/harness.js';
import { dtmfPackets, rtpPcap, rtpScript, withLossConcealed } from '../testing/rtp-media.js';
import {
  cancelScenario,
  holdScenario,
  malformedRequest,
  plainCallScenario,
  recordingMetadata,
  runSipp,
  serverHangsUpScenario,
  siprecScenario,
  sippAvailable,
  type SippRun,
} from '../testing/sipp.js';

const CALLER = 'paraformer-zh-2023-03-28/8k.wav';
const AGENT = 'zipformer-zh-14M/8k.wav';
const ms = (pcm: Int16Array) => (pcm.length / 8000) * 1000;

/** sipp ran its scenario to the end: every expected message came, nothing unexpected. */
function expectSippPassed(run: SippRun): void {
  expect(run.errors).toBe('');
  expect(run.code).toBe(0);
}

if (!sippAvailable) console.warn('[sip tests] skipped: sipp is not installed (apt-get install sip-tester)');

describe.skipIf(!sippAvailable)('SIP calls from sipp', () => {
  let t: IngressTestApp;
  let dir: string;
  let sipPort: number;
  const caller = recording(CALLER);
  const agent = recording(AGENT);

  beforeAll(async () => {
    t = await bootIngressApp({
      sipPort: 0,
      answerDelayMs: 300,
      rtpTimeoutMs: 1500,
      agentExtensions: ['1001=agent-7'],
    });
    sipPort = t.app.telephony.sip?.port ?? 0;
    dir = mkdtempSync(join(tmpdir(), 'hotline-sipp-'));
  });
  afterAll(async () => t?.app.close());

  const pcapOf = (name: string, pcm: Int16Array, options: Parameters<typeof rtpScript>[1] = {}) => {
    const file = join(dir, `${name}.pcap`);
    writeFileSync(file, rtpPcap(rtpScript(pcm, options)));
    return file;
  };

  it('plain INVITE over UDP: PCMU from a real recording → speech events, archived sample for sample', async () => {
    const run = await runSipp(
      dir,
      'plain',
      plainCallScenario({ caseId: 'sip-plain' }, pcapOf('plain', caller), ms(caller)),
      sipPort,
    );
    expectSippPassed(run);
    const events = await desktopEvents(t, 'sip-plain');
    expect(speechEvents(events).caller).toBeGreaterThanOrEqual(1);
    expect(events.at(-1)).toMatchObject({ type: 'closed', reason: 'end' });
    const archived = await archivedCall(t, 'sip-plain');
    // The dialed extension 1001 is mapped to agent-7.
    expect(archived.agentId).toBe('agent-7');
    expect(archived.channels).toHaveLength(1);
    const sent = g711(caller);
    expect(locate(sent, archived.channels[0]!)).toBeGreaterThanOrEqual(0);
    const [a, b] = [measure(sent, 8000), measure(archived.channels[0]!, 8000)];
    expect(Math.abs(a.activeMs - b.activeMs)).toBeLessThan(5);
    expect(Math.abs(a.levelDb - b.levelDb)).toBeLessThan(0.1);
  }, 60_000);

  it('over TCP with loss, reordering, duplicates, a DTMF key and an SSRC change: the jitter buffer restores order, conceals loss with silence', async () => {
    const drop = new Set([30, 31, 77, 140]);
    const dtmf = { at: 100, digit: 5 };
    const pcap = pcapOf('impaired', caller, {
      drop,
      swapWithNext: new Set([10, 50, 120, 180]),
      duplicate: new Set([20, 60]),
      ssrcChangeAt: 150,
      dtmf,
    });
    const run = await runSipp(
      dir,
      'impaired',
      plainCallScenario({ caseId: 'sip-impaired' }, pcap, ms(caller)),
      sipPort,
      't1',
    );
    expectSippPassed(run);
    const events = await desktopEvents(t, 'sip-impaired');
    expect(speechEvents(events).caller).toBeGreaterThanOrEqual(1);
    const archived = await archivedCall(t, 'sip-impaired');
    const expected = withLossConcealed(g711(caller), new Set([...drop, ...dtmfPackets(dtmf.at)]));
    expect(locate(expected, archived.channels[0]!)).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('SIPREC: two labelled streams + rs-metadata → one stereo call, caller left, agent right by participant', async () => {
    // The SBC lists the agent first and sends the agent's audio on label 1: the mapping must
    // still put the caller on channel 0.
    const metadata = recordingMetadata('rs-1', [
      { id: 'p-agent', aor: 'sip:1001@pbx.example', name: '客服 7 號', streamId: 's-agent', label: '1' },
      { id: 'p-caller', aor: 'sip:0912345678@pstn.example', name: '市民', streamId: 's-caller', label: '2' },
    ]);
    const run = await runSipp(
      dir,
      'siprec',
      siprecScenario(
        { caseId: 'siprec-1' },
        metadata,
        pcapOf('siprec-agent', agent, { ssrc: 7 }),
        pcapOf('siprec-caller', caller, { ssrc: 9 }),
        Math.max(ms(agent), ms(caller)),
      ),
      sipPort,
    );
    expectSippPassed(run);
    const events = await desktopEvents(t, 'siprec-1');
    expect(events[0]).toMatchObject({ type: 'started', channels: 2 });
    const speech = speechEvents(events);
    expect(speech.caller).toBeGreaterThanOrEqual(1);
    expect(speech.agent).toBeGreaterThanOrEqual(1);
    const archived = await archivedCall(t, 'siprec-1');
    expect(archived.agentId).toBe('agent-7');
    expect(archived.channels).toHaveLength(2);
    expect(locate(g711(caller), archived.channels[0]!)).toBeGreaterThanOrEqual(0);
    expect(locate(g711(agent), archived.channels[1]!)).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('re-INVITE to hold and back: the call goes on, the hold is silence on the timeline, both halves archived', async () => {
    const half = 16000; // 2 s at 8 kHz
    const first = caller.subarray(0, half);
    const second = caller.subarray(half);
    const holdMs = 3000;
    const run = await runSipp(
      dir,
      'hold',
      holdScenario(
        { caseId: 'sip-hold' },
        pcapOf('hold-1', first),
        ms(first),
        // The phone's clock kept running: same SSRC, timestamps continue where they stopped.
        pcapOf('hold-2', second, {
          firstSequence: 65500 + 100,
          firstTimestamp: (4_294_960_000 + half) >>> 0,
        }),
        ms(second),
        holdMs,
      ),
      sipPort,
    );
    expectSippPassed(run);
    const events = await desktopEvents(t, 'sip-hold');
    expect(speechEvents(events).caller).toBeGreaterThanOrEqual(1);
    const archived = await archivedCall(t, 'sip-hold');
    const channel = archived.channels[0]!;
    const at1 = locate(g711(first), channel);
    expect(at1).toBeGreaterThanOrEqual(0);
    const at2 = locate(g711(second), channel, at1 + first.length);
    expect(at2).toBeGreaterThanOrEqual(0);
    const gapMs = ((at2 - at1 - first.length) / 8000) * 1000;
    expect(gapMs).toBeGreaterThan(holdMs - 500);
    expect(gapMs).toBeLessThan(holdMs + 1500);
  }, 60_000);

  it('CANCEL while ringing: 200 for the CANCEL, 487 for the INVITE, no call and no case', async () => {
    const run = await runSipp(dir, 'cancel', cancelScenario({ caseId: 'sip-cancelled' }), sipPort);
    expectSippPassed(run);
    await new Promise((r) => setTimeout(r, 500));
    expect(t.app.calls.get('sip-cancelled')).toBeUndefined();
    const res = await fetch(`${t.app.url}/api/case/sip-cancelled`, {
      headers: { authorization: `Bearer ${t.supervisorToken}` },
    });
    expect(res.status).toBe(404);
  }, 30_000);

  it('the product says BYE when RTP stops without a hold, and the call is archived', async () => {
    const run = await runSipp(
      dir,
      'server-bye',
      serverHangsUpScenario({ caseId: 'sip-server-bye' }, pcapOf('server-bye', caller)),
      sipPort,
    );
    expectSippPassed(run);
    const events = await desktopEvents(t, 'sip-server-bye');
    expect(speechEvents(events).caller).toBeGreaterThanOrEqual(1);
    const archived = await archivedCall(t, 'sip-server-bye');
    expect(locate(g711(caller), archived.channels[0]!)).toBeGreaterThanOrEqual(0);
  }, 60_000);
});

describe('SIP refusals (raw UDP, no sipp needed)', () => {
  let t: IngressTestApp;
  beforeAll(async () => {
    t = await bootIngressApp({ sipPort: 0, maxCalls: 1, allowFrom: ['127.0.0.1'] });
  });
  afterAll(async () => t?.app.close());

  /** Sends one datagram from 127.0.0.1 and returns the first response's status line and headers. */
  const exchange = async (text: string, from = '127.0.0.1'): Promise<string | null> => {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, from, () => r()));
    const reply = new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 800);
      socket.on('message', (m) => {
        const s = m.toString();
        if (s.startsWith('SIP/2.0 1')) return; // provisional
        clearTimeout(timer);
        resolve(s);
      });
    });
    socket.send(text, t.app.telephony.sip?.port ?? 0, '127.0.0.1');
    const got = await reply;
    socket.close();
    return got;
  };

  const request = (method: string, extra: string[] = [], body = '') =>
    [
      `${method} sip:hotline@127.0.0.1 SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK${Math.random().toString(36).slice(2)}`,
      'From: <sip:probe@127.0.0.1>;tag=1',
      'To: <sip:hotline@127.0.0.1>',
      `Call-ID: ${Math.random().toString(36).slice(2)}@test`,
      `CSeq: 1 ${method}`,
      ...extra,
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');

  const offer = (payloads: string) =>
    [
      'v=0',
      'o=- 1 1 IN IP4 127.0.0.1',
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio 4000 RTP/AVP ${payloads}`,
      '',
    ].join('\r\n');

  it('OPTIONS is answered 200 with what the product accepts', async () => {
    const reply = await exchange(request('OPTIONS'));
    expect(reply).toMatch(/^SIP\/2\.0 200 OK/);
    expect(reply).toMatch(/Allow: INVITE, ACK, CANCEL, BYE, OPTIONS/);
    expect(reply).toMatch(/Accept: application\/sdp, multipart\/mixed, application\/rs-metadata\+xml/);
  });

  it('a malformed request gets 400 with the stable code; garbage is dropped and the agent keeps answering', async () => {
    expect(await exchange(malformedRequest)).toMatch(
      /^SIP\/2\.0 400[\s\S]*Warning: 399 hotline-assist "malformed_frame: missing call-id"/,
    );
    expect(await exchange('this is not SIP at all\r\n\r\n')).toBeNull();
    expect(await exchange(request('OPTIONS'))).toMatch(/^SIP\/2\.0 200/);
  });

  it('no usable codec → 488 unsupported_codec; an unknown body → 415; REGISTER → 405', async () => {
    const g729 = await exchange(request('INVITE', ['Content-Type: application/sdp'], offer('18')));
    expect(g729).toMatch(/^SIP\/2\.0 488[\s\S]*unsupported_codec/);
    const text = await exchange(request('INVITE', ['Content-Type: text/plain'], 'hello'));
    expect(text).toMatch(/^SIP\/2\.0 415[\s\S]*Accept: application\/sdp/);
    expect(await exchange(request('REGISTER'))).toMatch(/^SIP\/2\.0 405[\s\S]*Allow: INVITE/);
  });

  it('a case id the product cannot store → 400 invalid_case_id; BYE for no call → 481', async () => {
    const bad = await exchange(
      request('INVITE', ['Content-Type: application/sdp', 'X-Case-Id: ../../etc/passwd'], offer('0')),
    );
    expect(bad).toMatch(/^SIP\/2\.0 400[\s\S]*invalid_case_id/);
    expect(await exchange(request('BYE'))).toMatch(/^SIP\/2\.0 481/);
  });

  it('past HOTLINE_INGRESS_MAX_CALLS: 503 ingress_busy with Retry-After', async () => {
    const first = await exchange(
      request('INVITE', ['Content-Type: application/sdp', 'X-Case-Id: busy-1'], offer('0')),
    );
    expect(first).toMatch(/^SIP\/2\.0 200/);
    const second = await exchange(
      request('INVITE', ['Content-Type: application/sdp', 'X-Case-Id: busy-2'], offer('0')),
    );
    expect(second).toMatch(/^SIP\/2\.0 503[\s\S]*Retry-After: 30[\s\S]*ingress_busy/);
  });
});

describe('SIP from a peer outside the allow-list', () => {
  it('is refused 403 forbidden_peer', async () => {
    const t = await bootIngressApp({ sipPort: 0, allowFrom: ['10.9.9.0/24'] });
    try {
      const socket = createSocket('udp4');
      await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
      const reply = new Promise<string>((resolve) => socket.on('message', (m) => resolve(m.toString())));
      const options = [
        'OPTIONS sip:hotline@127.0.0.1 SIP/2.0',
        'Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKallow',
        'From: <sip:probe@127.0.0.1>;tag=1',
        'To: <sip:hotline@127.0.0.1>',
        'Call-ID: allow@test',
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      socket.send(options, t.app.telephony.sip?.port ?? 0, '127.0.0.1');
      expect(await reply).toMatch(/^SIP\/2\.0 403[\s\S]*forbidden_peer/);
      socket.close();
    } finally {
      await t.app.close();
    }
  });
});
