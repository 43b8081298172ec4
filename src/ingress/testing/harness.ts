import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { audioManifest, sharedPaths } from '../../../test/shared.js';
import {
  decodeToPcm16,
  encodeFromPcm16,
  float32ToPcm16,
  pcm16ToFloat32,
  readWav,
  resample,
} from '../../audio/index.js';
import { ReferenceTextEngineDouble } from '../../asr/testing/reference-text-engine.js';
import { loadConfig, type ConfigInput } from '../../config/index.js';
import { startApp, type RunningApp } from '../../http/app.js';
import type { ServerEvent } from '../../protocol/index.js';
import { StreamClient } from './stream-client.js';

export const ADMIN_TOKEN = 'ingress-test-admin-token-6c2d9e4f1a8b';

export interface IngressTestApp {
  app: RunningApp;
  /** A token of the `ingress` role (what a PBX/contact center is given). */
  ingressToken: string;
  /** A supervisor's token, to read the archive as a person would. */
  supervisorToken: string;
  /** A token of another role, which the ingress endpoints refuse. */
  agentToken: string;
  dataDir: string;
}

/** RTP ports per test process, so parallel test files do not collide. */
export function rtpRangeForProcess(): string {
  const base = 20_000 + (process.pid % 400) * 100;
  return `${base}-${base + 99}`;
}

/**
 * The whole app on 127.0.0.1 with ephemeral ports, the shared Silero VAD, and the ingress
 * settings a test gives. `transcripts` turns on the reference-text ASR test double.
 */
export async function bootIngressApp(
  ingress: ConfigInput['ingress'],
  options: { transcripts?: boolean; resumeWindowMs?: number } = {},
): Promise<IngressTestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hotline-ingress-'));
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      logLevel: 'silent',
      server: { port: 0, host: '127.0.0.1', rateLimitPerMinute: 100_000 },
      vad: { model: sharedPaths.vadModel },
      auth: { adminToken: ADMIN_TOKEN },
      stream: { resumeWindowMs: options.resumeWindowMs ?? 60_000 },
      ingress: { rtpPorts: rtpRangeForProcess(), ...ingress },
    },
  });
  const manifest = audioManifest();
  const double = new ReferenceTextEngineDouble((caseId) => {
    const row = manifest.find((r) => caseId.includes(r.file.replace(/[/.]/g, '_')));
    return row && { text: row.reference, durationMs: row.durationS * 1000 };
  });
  const app = await startApp(config, { asrEngine: options.transcripts ? double : null });
  const token = async (role: string) => {
    const res = await fetch(`${app.url}/api/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `test-${role}`, role }),
    });
    return ((await res.json()) as { token: string }).token;
  };
  return {
    app,
    ingressToken: await token('ingress'),
    supervisorToken: await token('supervisor'),
    agentToken: await token('agent'),
    dataDir,
  };
}

/** A recording of the shared set as 8 kHz (or `rate`) PCM16, mono. */
export function recording(file: string, rate = 8000): Int16Array {
  const row = audioManifest().find((r) => r.file === file);
  if (!row) throw new Error(`no recording ${file} in the shared manifest`);
  const wav = readWav(readFileSync(row.path));
  const pcm = wav.channels[0] as Int16Array;
  return wav.sampleRate === rate ? pcm : float32ToPcm16(resample(pcm16ToFloat32(pcm), wav.sampleRate, rate));
}

/** Waits until the product has a call under this case id (the peer's call was answered). */
export async function waitForCall(app: RunningApp, caseId: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!app.calls.get(caseId)) {
    if (Date.now() > until) throw new Error(`no call ${caseId} appeared`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Every event of the call as the agent desktop sees it (`WS /api/calls/:case/events`), up to
 * `closed`: the same stream any call has.
 */
export async function desktopEvents(
  t: IngressTestApp,
  caseId: string,
  timeoutMs = 30_000,
): Promise<ServerEvent[]> {
  await waitForCall(t.app, caseId);
  const desk = await StreamClient.connect(
    `${t.app.url.replace('http', 'ws')}/api/calls/${encodeURIComponent(caseId)}/events?last_seq=0`,
    t.supervisorToken,
  );
  await desk.nextOfType('closed', timeoutMs);
  await desk.close();
  return desk.events;
}

export interface ArchivedCall {
  status: string;
  agentId: string | null;
  sampleRate: number;
  /** The whole-call audio, one array per channel (caller first). */
  channels: Int16Array[];
}

/** The archived case as a supervisor reads it: its whole-call audio segments joined. */
export async function archivedCall(
  t: IngressTestApp,
  caseId: string,
  timeoutMs = 15_000,
): Promise<ArchivedCall> {
  const headers = { authorization: `Bearer ${t.supervisorToken}` };
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${t.app.url}/api/case/${encodeURIComponent(caseId)}`, { headers });
    const view = (await res.json()) as {
      status?: string;
      agent_id?: string | null;
      audio?: Array<{ segment_id: string; kind: string; start_ms: number }>;
    };
    if (res.status === 200 && view.status === 'ended') {
      const segments = (view.audio ?? [])
        .filter((a) => a.kind === 'call')
        .sort((a, b) => a.start_ms - b.start_ms);
      const wavs = await Promise.all(
        segments.map(async (s) => {
          const audio = await fetch(
            `${t.app.url}/api/case/${encodeURIComponent(caseId)}/audio/${s.segment_id}`,
            {
              headers,
            },
          );
          return readWav(new Uint8Array(await audio.arrayBuffer()));
        }),
      );
      const count = wavs[0]?.channels.length ?? 0;
      const channels = Array.from({ length: count }, (_, c) =>
        concat(wavs.map((w) => w.channels[c] as Int16Array)),
      );
      return {
        status: view.status,
        agentId: view.agent_id ?? null,
        sampleRate: wavs[0]?.sampleRate ?? 0,
        channels,
      };
    }
    if (Date.now() > until) throw new Error(`case ${caseId} not archived as ended: ${res.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export interface AudioMeasure {
  /** From the first to the last sample above the noise floor. */
  activeMs: number;
  /** RMS level of that span, dBFS. */
  levelDb: number;
  /** Where that span starts. */
  startMs: number;
}

/** Duration and level of what was actually audible (leading/trailing silence aside). */
export function measure(pcm: Int16Array, rate: number, floor = 200): AudioMeasure {
  let first = -1;
  let last = -1;
  for (let i = 0; i < pcm.length; i++) {
    if (Math.abs(pcm[i] as number) > floor) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) return { activeMs: 0, levelDb: -Infinity, startMs: 0 };
  let sum = 0;
  for (let i = first; i <= last; i++) sum += (pcm[i] as number) ** 2;
  const rms = Math.sqrt(sum / (last - first + 1)) / 32768;
  return {
    activeMs: ((last - first + 1) / rate) * 1000,
    levelDb: 20 * Math.log10(rms),
    startMs: (first / rate) * 1000,
  };
}

/** Counts of the speech events per speaker. */
export function speechEvents(events: readonly ServerEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) {
    if (e.type === 'speech_end') counts[e.speaker] = (counts[e.speaker] ?? 0) + 1;
  }
  return counts;
}

/** What G.711 leaves of PCM16 (what the archive can hold of audio sent as μ-law or A-law). */
export function g711(pcm: Int16Array, format: 'mulaw' | 'alaw' = 'mulaw'): Int16Array {
  return decodeToPcm16(encodeFromPcm16(pcm, format), format, 1);
}

/**
 * Where `expected` appears sample for sample in `archived` (searching from `from`), or -1: the
 * archive kept every sample, in order, nothing added inside.
 */
export function locate(expected: Int16Array, archived: Int16Array, from = 0): number {
  let key = 0;
  while (key < expected.length && Math.abs(expected[key] as number) < 200) key++;
  if (key === expected.length) return -1;
  for (let k = Math.max(from, key); k + expected.length - key <= archived.length; k++) {
    if (archived[k] !== expected[key]) continue;
    const offset = k - key;
    let same = true;
    for (let i = 0; i < expected.length && same; i++) same = archived[offset + i] === expected[i];
    if (same) return offset;
  }
  return -1;
}

export interface CheckedCall {
  events: ServerEvent[];
  archived: ArchivedCall;
  /** Where each channel's sent audio starts in the archive (-1: not found sample for sample). */
  offsets: number[];
  speech: Record<string, number>;
}

/**
 * What every telephony test asks of a finished call: the desktop stream ran from `started` to
 * `closed`, and the archived case holds each channel's sent audio sample for sample
 * (`expected` is what the wire leaves of it: G.711-rounded where the protocol is G.711).
 */
export async function checkCall(
  t: IngressTestApp,
  caseId: string,
  expected: Int16Array[],
): Promise<CheckedCall> {
  const events = await desktopEvents(t, caseId);
  const archived = await archivedCall(t, caseId);
  const offsets = expected.map((pcm, i) => locate(pcm, archived.channels[i] ?? new Int16Array(0)));
  return { events, archived, offsets, speech: speechEvents(events) };
}
