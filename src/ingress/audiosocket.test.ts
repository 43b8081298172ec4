import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioSocketFrame, AudioSocketKind } from './audiosocket.js';
import { bootIngressApp, checkCall, recording, type IngressTestApp } from './testing/harness.js';
import { AudioSocketPeer } from './testing/peers.js';

const CALLER = 'paraformer-zh-2023-03-28/8k.wav';

describe('Asterisk AudioSocket', () => {
  let t: IngressTestApp;
  let port: number;
  beforeAll(async () => {
    t = await bootIngressApp({ audiosocketPort: 0 });
    port = t.app.telephony.audiosocket?.port ?? 0;
  });
  afterAll(async () => t?.app.close());

  it('UUID, 8 kHz slin of a real recording, hang-up frame → a call with speech events, archived sample for sample', async () => {
    const pcm = recording(CALLER);
    const peer = await AudioSocketPeer.connect(port);
    peer.sendUuid();
    await peer.sendAudio(pcm);
    await peer.hangUp();
    const call = await checkCall(t, `audiosocket-${peer.uuid}`, [pcm]);
    expect(call.events[0]).toMatchObject({ type: 'started', sample_rate: 8000, channels: 1 });
    expect(call.speech.caller).toBeGreaterThanOrEqual(1);
    expect(call.events.at(-1)).toMatchObject({ type: 'closed', reason: 'end' });
    expect(call.offsets).toEqual([0]);
    expect(call.archived.channels[0]?.length).toBe(pcm.length);
  });

  it('16 kHz slin (kind 0x12) and a connection that just closes (no hang-up frame) end the call the same way', async () => {
    const pcm = recording('fireredasr/BAC009S0764W0121.wav', 16000);
    const peer = await AudioSocketPeer.connect(port);
    peer.sendUuid();
    await peer.sendAudio(pcm, 16000);
    peer.socket.end();
    const call = await checkCall(t, `audiosocket-${peer.uuid}`, [pcm]);
    expect(call.events[0]).toMatchObject({ sample_rate: 16000 });
    expect(call.speech.caller).toBeGreaterThanOrEqual(1);
    expect(call.offsets).toEqual([0]);
  });

  it('malformed frames are dropped with the call going on: unknown kind, half a sample, DTMF, an Asterisk error frame', async () => {
    const pcm = recording(CALLER);
    const peer = await AudioSocketPeer.connect(port);
    peer.sendUuid();
    await peer.sendAudio(pcm.subarray(0, 8000));
    peer.raw(audioSocketFrame(0x42, Buffer.from('what')));
    peer.raw(audioSocketFrame(AudioSocketKind.slin8k, Buffer.alloc(3)));
    peer.raw(audioSocketFrame(AudioSocketKind.dtmf, Buffer.from('5')));
    peer.raw(audioSocketFrame(AudioSocketKind.error, Buffer.from([0x01])));
    await peer.sendAudio(pcm.subarray(8000));
    await peer.hangUp();
    const call = await checkCall(t, `audiosocket-${peer.uuid}`, [pcm]);
    // Every good sample is there, in order, nothing of the bad frames in between.
    expect(call.offsets).toEqual([0]);
    expect(call.archived.channels[0]?.length).toBe(pcm.length);
  });

  it('audio before the UUID, a rate it does not take, and an early hang-up leave no call; the listener keeps serving', async () => {
    const early = await AudioSocketPeer.connect(port);
    early.raw(audioSocketFrame(AudioSocketKind.slin8k, Buffer.alloc(320)));
    await early.closed();
    // The product hangs up in the protocol's own way before closing.
    expect([...early.received]).toEqual([AudioSocketKind.hangup, 0, 0]);

    const wrongRate = await AudioSocketPeer.connect(port);
    wrongRate.sendUuid();
    wrongRate.raw(audioSocketFrame(0x16, Buffer.alloc(1920))); // 48 kHz
    await wrongRate.closed();
    expect(t.app.calls.get(`audiosocket-${wrongRate.uuid}`)).toBeUndefined();

    const hangsUp = await AudioSocketPeer.connect(port);
    hangsUp.sendUuid();
    await hangsUp.hangUp();
    expect(t.app.calls.get(`audiosocket-${hangsUp.uuid}`)).toBeUndefined();

    expect(t.app.telephony.legs.count).toBe(0);
    const pcm = recording(CALLER);
    const next = await AudioSocketPeer.connect(port);
    next.sendUuid();
    await next.sendAudio(pcm);
    await next.hangUp();
    expect((await checkCall(t, `audiosocket-${next.uuid}`, [pcm])).offsets).toEqual([0]);
  });
});

describe('AudioSocket from a peer outside the allow-list', () => {
  it('is closed before any call starts', async () => {
    const t = await bootIngressApp({ audiosocketPort: 0, allowFrom: ['10.1.2.3'] });
    try {
      const peer = await AudioSocketPeer.connect(t.app.telephony.audiosocket?.port ?? 0);
      peer.sendUuid();
      await peer.closed();
      expect(t.app.calls.list()).toEqual([]);
    } finally {
      await t.app.close();
    }
  });
});
