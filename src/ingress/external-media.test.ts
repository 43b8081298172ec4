import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFromPcm16 } from '../audio/index.js';
import { buildRtp } from './rtp.js';
import { bootIngressApp, checkCall, g711, recording, type IngressTestApp } from './testing/harness.js';
import { rtpScript, withLossConcealed, type TimedPacket } from './testing/rtp-media.js';

/** Sends packets at their timing from 127.0.0.1, as Asterisk's ExternalMedia channel does. */
async function play(packets: readonly TimedPacket[], port: number): Promise<void> {
  const socket = createSocket('udp4');
  const started = performance.now();
  for (const { atMs, bytes } of packets) {
    const wait = atMs - (performance.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    socket.send(bytes, port, '127.0.0.1');
  }
  await new Promise((r) => setTimeout(r, 100));
  socket.close();
}

describe('Asterisk ExternalMedia over RTP', () => {
  let t: IngressTestApp;
  beforeAll(async () => {
    t = await bootIngressApp({ externalMedia: true, rtpTimeoutMs: 1000 });
  });
  afterAll(async () => t?.app.close());

  const start = (body: object, token = t.ingressToken) =>
    fetch(`${t.app.url}/api/ingress/external-media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const portOf = (host: string) => Number(host.split(':').at(-1));

  it('ulaw: the ARI app asks for a port, RTP comes with loss and reordering, DELETE ends the call; archived with loss as silence', async () => {
    const pcm = recording('paraformer-zh-2023-03-28/8k.wav');
    const res = await start({
      format: 'ulaw',
      case_id: 'ext-ulaw',
      agent_id: 'agent-9',
      channel_id: '1712345678.42',
    });
    expect(res.status).toBe(201);
    const leg = (await res.json()) as { case_id: string; external_host: string };
    expect(leg.case_id).toBe('ext-ulaw');
    expect(leg.external_host).toMatch(/^127\.0\.0\.1:\d+$/);
    const drop = new Set([5, 90]);
    await play(
      rtpScript(pcm, { drop, swapWithNext: new Set([40, 60]), duplicate: new Set([70]) }),
      portOf(leg.external_host),
    );
    const del = await fetch(`${t.app.url}/api/ingress/external-media/ext-ulaw`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${t.ingressToken}` },
    });
    expect(del.status).toBe(204);
    const call = await checkCall(t, 'ext-ulaw', [withLossConcealed(g711(pcm), drop)]);
    expect(call.speech.caller).toBeGreaterThanOrEqual(1);
    expect(call.offsets[0]).toBeGreaterThanOrEqual(0);
    expect(call.archived.agentId).toBe('agent-9');
  }, 30_000);

  it('slin16 (16 kHz big-endian L16, dynamic payload type) ends by itself when RTP stops', async () => {
    const pcm = recording('fireredasr/BAC009S0764W0121.wav', 16000);
    const res = await start({ format: 'slin16', case_id: 'ext-slin16' });
    const leg = (await res.json()) as { external_host: string };
    const packets: TimedPacket[] = [];
    for (let n = 0, i = 0; i < pcm.length; n++, i += 320) {
      const payload = Buffer.alloc(Math.min(320, pcm.length - i) * 2);
      for (let j = 0; j * 2 < payload.length; j++) payload.writeInt16BE(pcm[i + j] as number, j * 2);
      packets.push({
        atMs: n * 20,
        bytes: buildRtp({ payloadType: 118, sequence: n, timestamp: n * 320, ssrc: 77, payload }),
      });
    }
    await play(packets, portOf(leg.external_host));
    const call = await checkCall(t, 'ext-slin16', [pcm]);
    expect(call.events[0]).toMatchObject({ sample_rate: 16000 });
    expect(call.speech.caller).toBeGreaterThanOrEqual(1);
    expect(call.offsets[0]).toBeGreaterThanOrEqual(0);
  }, 30_000);

  it('refuses a format it does not take, a non-ingress token, and a stop for no call', async () => {
    const g729 = await start({ format: 'g729' });
    expect(g729.status).toBe(400);
    expect(((await g729.json()) as { error: { code: string } }).error.code).toBe('unsupported_codec');
    expect((await start({ format: 'ulaw' }, t.agentToken)).status).toBe(403);
    const none = await fetch(`${t.app.url}/api/ingress/external-media/no-such-call`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${t.ingressToken}` },
    });
    expect(none.status).toBe(404);
    // Nothing in the RTP path mistakes noise for audio: a junk datagram to a live port is ignored.
    const res = await start({ format: 'alaw', case_id: 'ext-junk' });
    const { external_host: host } = (await res.json()) as { external_host: string };
    const socket = createSocket('udp4');
    socket.send(Buffer.from('not rtp'), portOf(host), '127.0.0.1');
    const pcm = recording('paraformer-zh-2023-03-28/8k.wav').subarray(0, 8000);
    const alaw = encodeFromPcm16(pcm, 'alaw');
    for (let n = 0; n * 160 < alaw.length; n++) {
      socket.send(
        buildRtp({
          payloadType: 8,
          sequence: n,
          timestamp: n * 160,
          ssrc: 5,
          payload: alaw.subarray(n * 160, n * 160 + 160),
        }),
        portOf(host),
        '127.0.0.1',
      );
    }
    await new Promise((r) => setTimeout(r, 200));
    socket.close();
    await fetch(`${t.app.url}/api/ingress/external-media/ext-junk`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${t.ingressToken}` },
    });
    const call = await checkCall(t, 'ext-junk', [g711(pcm, 'alaw')]);
    expect(call.offsets[0]).toBeGreaterThanOrEqual(0);
  }, 30_000);
});
