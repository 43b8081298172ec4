/**
 * FreeSWITCH mod_audio_fork, Twilio Media Streams and Genesys AudioHook on the main port: peers
 * written from the public protocol descriptions send real recordings; each call must reach the
 * desktop stream with speech events and be archived sample for sample.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootIngressApp, checkCall, g711, recording, type IngressTestApp } from './testing/harness.js';
import { AudioForkPeer, AudiohookPeer, TwilioPeer } from './testing/peers.js';

const CALLER = 'paraformer-zh-2023-03-28/8k.wav';
const AGENT = 'zipformer-zh-14M/8k.wav';
const CLIENT_SECRET = randomBytes(32).toString('base64');
const TWILIO_AUTH = 'twilio-auth-token-for-tests';

/** The agent answers after the caller: both channels hold their speaker's turn. */
function turns(): { caller: Int16Array; agent: Int16Array } {
  const caller = recording(CALLER);
  const agentSpeech = recording(AGENT);
  const agent = new Int16Array(caller.length + agentSpeech.length);
  agent.set(agentSpeech, caller.length);
  const callerPadded = new Int16Array(agent.length);
  callerPadded.set(caller);
  return { caller: callerPadded, agent };
}

describe('telephony WebSocket paths', () => {
  let t: IngressTestApp;
  let ws: string;
  beforeAll(async () => {
    t = await bootIngressApp({
      freeswitch: true,
      twilio: true,
      audiohook: true,
      audiohookClientSecret: CLIENT_SECRET,
      agentExtensions: ['1001=agent-7'],
    });
    ws = t.app.url.replace('http', 'ws');
  });
  afterAll(async () => t?.app.close());

  describe('FreeSWITCH mod_audio_fork', () => {
    it('stereo 16 kHz with JSON metadata, Basic auth as the module sends it → caller/agent channels, finals sent back', async () => {
      const caller = recording(CALLER, 16000);
      const agent = new Int16Array(caller.length + 16000);
      agent.set(recording(AGENT, 16000).subarray(0, agent.length - caller.length), caller.length);
      const padded = new Int16Array(agent.length);
      padded.set(caller);
      const peer = await AudioForkPeer.connect(`${ws}/ingress/freeswitch`, {
        basic: ['freeswitch', t.ingressToken],
      });
      peer.metadata({
        uuid: 'fs-uuid-1',
        case_id: 'fs-stereo',
        extension: '1001',
        mix_type: 'stereo',
        sample_rate: 16000,
      });
      await peer.sendAudio([padded, agent], 16000);
      await peer.stop();
      const call = await checkCall(t, 'fs-stereo', [padded, agent]);
      expect(call.events[0]).toMatchObject({ type: 'started', channels: 2, sample_rate: 16000 });
      expect(call.speech.caller).toBeGreaterThanOrEqual(1);
      expect(call.speech.agent).toBeGreaterThanOrEqual(1);
      expect(call.offsets).toEqual([0, 0]);
      expect(call.archived.agentId).toBe('agent-7');
    });

    it('mono 8 kHz with rate and mix in the URL (mod_audio_stream style), bearer token; bad frames answered with error frames', async () => {
      const pcm = recording(CALLER);
      const peer = await AudioForkPeer.connect(`${ws}/ingress/freeswitch?sample_rate=8k&mix=mono`, {
        bearer: t.ingressToken,
      });
      peer.metadata({ case_id: 'fs-mono' });
      await peer.sendAudio([pcm.subarray(0, 8000)], 8000);
      peer.socket.send(Buffer.alloc(3), { binary: true });
      await peer.sendAudio([pcm.subarray(8000)], 8000);
      const error = await peer.waitFor((m) => m.type === 'error');
      expect(error).toMatchObject({ data: { code: 'malformed_frame' } });
      await peer.stop();
      const call = await checkCall(t, 'fs-mono', [pcm]);
      expect(call.speech.caller).toBeGreaterThanOrEqual(1);
      expect(call.offsets).toEqual([0]);
    });

    it('without a token, with an agent token, or a wrong password: the upgrade is refused 401', async () => {
      const url = `${ws}/ingress/freeswitch`;
      await expect(AudioForkPeer.connect(url)).rejects.toThrow(/401/);
      await expect(AudioForkPeer.connect(url, { bearer: t.agentToken })).rejects.toThrow(/401/);
      await expect(AudioForkPeer.connect(url, { basic: ['freeswitch', 'guess'] })).rejects.toThrow(/401/);
    });

    it('metadata that is not JSON or asks for 44.1 kHz is refused with an error frame and the socket closed', async () => {
      const garbled = await AudioForkPeer.connect(`${ws}/ingress/freeswitch`, { bearer: t.ingressToken });
      garbled.metadata('{not json');
      await garbled.closed();
      expect(garbled.received[0]).toMatchObject({ type: 'error', data: { code: 'malformed_frame' } });
      const rate = await AudioForkPeer.connect(`${ws}/ingress/freeswitch`, { bearer: t.ingressToken });
      rate.metadata({ sample_rate: '44100' });
      await rate.closed();
      expect(rate.received[0]).toMatchObject({ type: 'error', data: { code: 'unsupported_codec' } });
      expect(rate.closeCode).toBe(1008);
    });
  });

  describe('Twilio Media Streams', () => {
    it('both tracks, token as a custom parameter → stereo call aligned by timestamps, archived', async () => {
      const { caller, agent } = turns();
      const peer = await TwilioPeer.connect(`${ws}/ingress/twilio`);
      peer.start(['inbound', 'outbound'], {
        token: t.ingressToken,
        case_id: 'twilio-both',
        agent_id: 'agent-3',
      });
      await peer.sendAudio({ inbound: caller, outbound: agent });
      peer.stop();
      await peer.closed();
      const call = await checkCall(t, 'twilio-both', [g711(caller), g711(agent)]);
      expect(call.events[0]).toMatchObject({ channels: 2, sample_rate: 8000 });
      expect(call.speech.caller).toBeGreaterThanOrEqual(1);
      expect(call.speech.agent).toBeGreaterThanOrEqual(1);
      expect(call.offsets).toEqual([0, 0]);
      expect(call.archived.agentId).toBe('agent-3');
    });

    it('a stream without a token is closed unauthorized; one that drops without stop still ends and is archived', async () => {
      const anonymous = await TwilioPeer.connect(`${ws}/ingress/twilio`);
      anonymous.start(['inbound'], { case_id: 'twilio-anon' });
      await anonymous.closed();
      expect(anonymous.closeCode).toBe(1008);
      expect(anonymous.closeReason).toBe('unauthorized');
      expect(t.app.calls.get('twilio-anon')).toBeUndefined();

      const pcm = recording(CALLER);
      const dropped = await TwilioPeer.connect(`${ws}/ingress/twilio`);
      dropped.start(['inbound'], { token: t.ingressToken, case_id: 'twilio-dropped' });
      await dropped.sendAudio({ inbound: pcm });
      dropped.send({ event: 'media', media: { track: 'inbound' } }); // no payload: refused, call goes on
      dropped.terminate();
      const call = await checkCall(t, 'twilio-dropped', [g711(pcm)]);
      expect(call.speech.caller).toBeGreaterThanOrEqual(1);
      expect(call.offsets).toEqual([0]);
    });
  });

  describe('Genesys AudioHook', () => {
    it('signed upgrade, open → opened (PCMU stereo), audio, ping/pong, pause/resume, close → closed; archived with the pause as silence', async () => {
      const { caller, agent } = turns();
      const peer = await AudiohookPeer.connect(`${ws}/ingress/audiohook`, t.ingressToken, CLIENT_SECRET);
      peer.open(
        [
          { type: 'audio', format: 'PCMU', channels: ['external', 'internal'], rate: 8000 },
          { type: 'audio', format: 'PCMU', channels: ['external'], rate: 8000 },
        ],
        { case_id: 'audiohook-1' },
      );
      const opened = await peer.waitFor((m) => m.type === 'opened');
      expect(opened).toMatchObject({
        version: '2',
        clientseq: 1,
        parameters: { media: [{ format: 'PCMU', channels: ['external', 'internal'] }] },
      });
      const half = 16000;
      await peer.sendAudio([caller.subarray(0, half), agent.subarray(0, half)]);
      peer.ping();
      await peer.waitFor((m) => m.type === 'pong');
      peer.paused();
      peer.resumed(1.5);
      await peer.sendAudio([caller.subarray(half), agent.subarray(half)]);
      peer.close();
      await peer.waitFor((m) => m.type === 'closed');
      const silence = new Int16Array(12000);
      const expected = (pcm: Int16Array) =>
        g711(Int16Array.from([...pcm.subarray(0, half), ...silence, ...pcm.subarray(half)]));
      const call = await checkCall(t, 'audiohook-1', [expected(caller), expected(agent)]);
      expect(call.speech.caller).toBeGreaterThanOrEqual(1);
      expect(call.speech.agent).toBeGreaterThanOrEqual(1);
      expect(call.offsets).toEqual([0, 0]);
    });

    it('refuses a bad signature, a stale one, and a key that is not an ingress token, before any socket opens', async () => {
      const url = `${ws}/ingress/audiohook`;
      await expect(
        AudiohookPeer.connect(url, t.ingressToken, randomBytes(32).toString('base64')),
      ).rejects.toThrow(/401/);
      await expect(
        AudiohookPeer.connect(url, t.ingressToken, CLIENT_SECRET, (h) => {
          h['audiohook-session-id'] = 'swapped-after-signing';
        }),
      ).rejects.toThrow(/401/);
      await expect(AudiohookPeer.connect(url, t.ingressToken)).rejects.toThrow(/401/);
      await expect(AudiohookPeer.connect(url, t.agentToken, CLIENT_SECRET)).rejects.toThrow(/401/);
    });

    it('offered media it cannot take → disconnect with unsupported_codec; audio before open → disconnect protocol_error', async () => {
      const opus = await AudiohookPeer.connect(`${ws}/ingress/audiohook`, t.ingressToken, CLIENT_SECRET);
      opus.open([{ type: 'audio', format: 'OPUS', channels: ['external'], rate: 48000 }]);
      expect(await opus.waitFor((m) => m.type === 'disconnect')).toMatchObject({
        parameters: { reason: 'error', info: expect.stringMatching(/^unsupported_codec/) },
      });
      const early = await AudiohookPeer.connect(`${ws}/ingress/audiohook`, t.ingressToken, CLIENT_SECRET);
      early.socket.send(Buffer.alloc(160), { binary: true });
      expect(await early.waitFor((m) => m.type === 'disconnect')).toMatchObject({
        parameters: { info: expect.stringMatching(/^protocol_error/) },
      });
    });
  });
});

describe('Twilio with X-Twilio-Signature', () => {
  it('a signed upgrade needs no token; a wrong signature is refused 401', async () => {
    const t = await bootIngressApp({
      twilio: true,
      twilioAuthToken: TWILIO_AUTH,
      twilioStreamUrl: 'wss://hotline.example.gov.tw/ingress/twilio',
    });
    try {
      const url = `${t.app.url.replace('http', 'ws')}/ingress/twilio`;
      const signature = createHmac('sha1', TWILIO_AUTH)
        .update('wss://hotline.example.gov.tw/ingress/twilio')
        .digest('base64');
      await expect(TwilioPeer.connect(url, 'bm90LXRoZS1zaWduYXR1cmU=')).rejects.toThrow(/401/);
      const pcm = recording(CALLER);
      const peer = await TwilioPeer.connect(url, signature);
      peer.start(['inbound'], { case_id: 'twilio-signed' });
      await peer.sendAudio({ inbound: pcm });
      peer.stop();
      await peer.closed();
      const call = await checkCall(t, 'twilio-signed', [g711(pcm)]);
      expect(call.speech.caller).toBeGreaterThanOrEqual(1);
      expect(call.offsets).toEqual([0]);
    } finally {
      await t.app.close();
    }
  });
});

describe('telephony paths are off by default', () => {
  it('no /ingress/* route and no listener unless a setting turns it on', async () => {
    const t = await bootIngressApp({});
    try {
      for (const path of ['freeswitch', 'twilio', 'audiohook']) {
        const res = await fetch(`${t.app.url}/ingress/${path}`);
        expect(res.status).toBe(404);
      }
      expect(t.app.telephony.sip).toBeNull();
      expect(t.app.telephony.audiosocket).toBeNull();
      expect(t.app.telephony.externalMedia).toBeNull();
    } finally {
      await t.app.close();
    }
  });
});
