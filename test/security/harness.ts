/**
 * What the security suite shares: the real app (`startApp`) on SQLite or a fresh PostgreSQL
 * database, tokens of each role, a stream client, real speech from the shared recordings, and the
 * audit log as written.
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config, type ConfigInput } from '../../src/config/index.js';
import { startApp, type RunningApp } from '../../src/http/app.js';
import { readWav } from '../../src/audio/index.js';
import type { StoreBackend } from '../../src/store/testing/backends.js';
import { StreamClient } from '../../src/ingress/testing/stream-client.js';
import type { ServerEvent } from '../../src/protocol/index.js';
import { audioManifest, sharedPaths } from '../shared.js';

export { storeBackends } from '../../src/store/testing/backends.js';
export { StreamClient };

/** A bootstrap admin token that passes the strength rules (≥ 32 characters, not trivial). */
export const ADMIN = 'security-suite-admin-9f2c4e1a7b3d5f60';
export const hasVad = existsSync(sharedPaths.vadModel);

export interface TestApp {
  app: RunningApp;
  config: Config;
  dataDir: string;
  /** JSON request as a token (null: none). */
  api<T = unknown>(
    method: string,
    path: string,
    token: string | null,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; json: T }>;
  /** An API token of this role (a fresh principal each call). */
  token(role: 'agent' | 'supervisor' | 'ingress' | 'service' | 'admin', name?: string): Promise<string>;
  stream(token: string): Promise<StreamClient>;
  /** A live call: a stream connection that has sent `start` and got `started`. */
  call(token: string, caseId: string): Promise<StreamClient>;
  follow(caseId: string, token: string, lastSeq?: number): Promise<StreamClient>;
  /** Audit entries as the admin API returns them (newest first). */
  audit(query?: Record<string, string>): Promise<AuditRow[]>;
  close(): Promise<void>;
}

export interface AuditRow {
  seq: number;
  action: string;
  actorId: string | null;
  actorRole: string | null;
  targetType: string;
  targetId: string | null;
  detail: Record<string, unknown>;
}

/** Boots the real app on a temp data dir (or `dataDir`) with the backend's database. */
export async function bootApp(
  backend: StoreBackend,
  overrides: ConfigInput = {},
  options: { dataDir?: string; dbUrl?: string } = {},
): Promise<TestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), `hotline-sec-${backend.name}-`));
  const dbUrl = options.dbUrl ?? (await backend.options()).dbUrl;
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      logLevel: 'silent',
      ...overrides,
      server: { port: 0, host: '127.0.0.1', rateLimitPerMinute: 100_000, ...overrides.server },
      store: { dbUrl },
      auth: { adminToken: ADMIN, ...overrides.auth },
      vad: hasVad ? { model: sharedPaths.vadModel, ...overrides.vad } : overrides.vad,
    },
  });
  const app = await startApp(config, { asrEngine: null });
  const api: TestApp['api'] = async (method, path, token, body, headers = {}) => {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : null) as never };
  };
  let counter = 0;
  const ws = (path: string, token: string) =>
    `${app.url.replace('http', 'ws')}${path}${path.includes('?') ? '&' : '?'}token=${token}`;
  return {
    app,
    config,
    dataDir,
    api,
    async token(role, name) {
      if (role === 'admin') return ADMIN;
      const res = await api<{ token: string }>('POST', '/api/tokens', ADMIN, {
        name: name ?? `${role}-${++counter}`,
        role,
      });
      if (res.status !== 201) throw new Error(`token: ${res.status} ${JSON.stringify(res.json)}`);
      return res.json.token;
    },
    stream: (token) => StreamClient.connect(ws('/api/stream/asr', token)),
    async call(token, caseId) {
      const client = await StreamClient.connect(ws('/api/stream/asr', token));
      client.send(start(caseId));
      await client.nextOfType('started');
      return client;
    },
    follow: (caseId, token, lastSeq = 0) =>
      StreamClient.connect(ws(`/api/calls/${encodeURIComponent(caseId)}/events?last_seq=${lastSeq}`, token)),
    async audit(query = {}) {
      const qs = new URLSearchParams({ limit: '1000', ...query }).toString();
      const res = await api<{ entries: AuditRow[] }>('GET', `/api/audit?${qs}`, ADMIN);
      return res.json.entries;
    },
    close: () => app.close(),
  };
}

/** 16 kHz mono PCM16 of real speech with silence around it, so the VAD cuts utterances. */
export function speechPcm(utterances = 2): Buffer {
  const gap = Buffer.alloc(16_000 * 2);
  const parts: Buffer[] = [gap];
  for (const row of audioManifest()
    .filter((r) => r.sampleRate === 16_000 && r.durationS >= 1.5 && r.durationS <= 5)
    .slice(0, utterances)) {
    const pcm = readWav(readFileSync(row.path)).channels[0] as Int16Array;
    parts.push(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength), gap);
  }
  return Buffer.concat(parts);
}

/** A steady tone (not speech): call audio with no utterance ends, for audio-journal tests. */
export function tonePcm(ms: number, rate = 16_000): Buffer {
  const n = Math.round((rate * ms) / 1000);
  const pcm = new Int16Array(n);
  for (let i = 0; i < n; i++) pcm[i] = Math.round(3000 * Math.sin((2 * Math.PI * 440 * i) / rate));
  return Buffer.from(pcm.buffer);
}

export const start = (caseId: string, extra: Record<string, unknown> = {}) => ({
  type: 'start',
  case_id: caseId,
  format: 'pcm_s16le',
  sample_rate: 16000,
  channels: 1,
  ...extra,
});

/** Sends audio in 100 ms frames as fast as the socket takes them. */
export async function sendAudio(client: StreamClient, pcm: Buffer): Promise<void> {
  await client.streamAudio(pcm, 32, 100);
}

export const errorsOf = (client: StreamClient): string[] =>
  client.ofType('error').map((e: Extract<ServerEvent, { type: 'error' }>) => e.code);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` is true or `ms` passes. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(50);
  }
  return check();
}
