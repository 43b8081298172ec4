/**
 * One test cluster per file: a fresh PostgreSQL database and bus prefix, the server processes
 * started on them (each its own data dir), tokens, and a transcription server for remote ASR.
 */
import { mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';
import { TEST_PG_URL } from '../../src/store/testing/backends.js';
import { sharedPaths } from '../shared.js';
import { api, startServer, type ServerProcess } from '../crash/server.js';
import { expectGapFree, open, stream, until } from './harness.js';

export const ADMIN = 'cluster-test-admin-token-0123456789abcdef';

export function testCluster() {
  const database = `hotline_cluster_${randomBytes(4).toString('hex')}`;
  const prefix = `hc${randomBytes(4).toString('hex')}`;
  const nodes: ServerProcess[] = [];
  const tokens = { ingress: '', supervisor: '' };
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  const settings = (name: string) => ({
    HOTLINE_DATA_DIR: mkdtempSync(join(tmpdir(), `hotline-cluster-${name}-`)),
    HOTLINE_DB_URL: TEST_PG_URL.replace(/\/[^/]*$/, `/${database}`),
    HOTLINE_BUS_URL: 'nats://127.0.0.1:4222',
    HOTLINE_BUS_PREFIX: prefix,
    HOTLINE_NODE_ID: name,
    HOTLINE_CASE_LEASE_MS: '2000',
    HOTLINE_ADMIN_TOKEN: ADMIN,
    HOTLINE_AUDIT_KEY: 'cluster-test-audit-key-0123456789abcdef0123456789',
    HOTLINE_VAD_MODEL: sharedPaths.vadModel,
  });
  /** Each node's settings: a node started again keeps its data dir (its journals) and its id. */
  const nodeSettings = new Map<string, ReturnType<typeof settings>>();
  /** Starts node `name` (again), with `changes` to its settings from then on. */
  const node = async (name: string, changes: Partial<ReturnType<typeof settings>> = {}) => {
    const env = { ...(nodeSettings.get(name) ?? settings(name)), ...changes };
    nodeSettings.set(name, env);
    // Several servers loading the VAD at once on a shared CI machine start slowly.
    const server = await startServer(env, undefined, 150_000);
    nodes.push(server);
    return server;
  };

  // An OpenAI-compatible transcription server that hears nothing (for remote ASR versions).
  const transcriber = {
    url: '',
    server: createServer((req, res) => {
      req.resume();
      req.on('end', () => res.setHeader('content-type', 'application/json').end('{"text":""}'));
    }),
  };

  const wsUrl = (server: ServerProcess, path: string, token: string) =>
    `ws://127.0.0.1:${server.port}${path}${path.includes('?') ? '&' : '?'}token=${token}`;

  const start = (caseId: string) =>
    JSON.stringify({ type: 'start', case_id: caseId, format: 'pcm_s16le', sample_rate: 16000, channels: 1 });
  /**
   * A client resuming `caseId` on `server` after its node died, retrying while the dead node's
   * claim runs (`case_in_use`), as a desktop does; the connection once the call continues.
   */
  const resumeOn = (server: ServerProcess, caseId: string, lastSeq: number) =>
    until(
      `resume of ${caseId} on ${server.url}`,
      async () => {
        const client = await open(wsUrl(server, '/api/stream/asr', tokens.ingress));
        client.ws.send(JSON.stringify({ type: 'resume', case_id: caseId, last_seq: lastSeq }));
        // A resume left unanswered fails with what the node logged (to find why, not just that).
        const answer = await until('an answer', () =>
          client.events.find((e) => e.type === 'error' || e.type === 'started'),
        ).catch((err: unknown) => {
          throw new Error(`${(err as Error).message}; node log:\n${server.output().slice(-4000)}`);
        });
        if (answer.type === 'started') return client;
        expect(answer.code).toBe('case_in_use');
        client.ws.close();
        return null;
      },
      30_000,
    );

  return {
    nodes,
    tokens,
    transcriber,
    settings,
    node,
    /** The data dir node `name` was started on (another node id may take it over). */
    dataDir: (name: string) => nodeSettings.get(name)?.HOTLINE_DATA_DIR ?? '',
    wsUrl,
    start,
    /** Nodes `a` and `b`, and an ingress and a supervisor token. */
    async setUp() {
      await new Promise<void>((resolve) => transcriber.server.listen(0, '127.0.0.1', resolve));
      transcriber.url = `http://127.0.0.1:${(transcriber.server.address() as AddressInfo).port}/v1`;
      await admin.connect();
      await admin.query(`create database ${database}`);
      const a = await node('a');
      await node('b');
      const token = async (role: string) =>
        (await api<{ token: string }>(`${a.url}/api/tokens`, ADMIN, 'POST', { name: role, role })).json.token;
      tokens.ingress = await token('ingress');
      tokens.supervisor = await token('supervisor');
    },
    async tearDown() {
      await Promise.all(nodes.map((n) => n.stop()));
      transcriber.server.close();
      await admin.query(`drop database if exists ${database} with (force)`).catch(() => undefined);
      await admin.end();
    },
    resumeOn,
    /**
     * A call streamed into `from` until two utterances ended, `from` killed (SIGKILL), the client
     * resuming on `to` with the last seq it got, streaming the rest of `audio` and ending the call:
     * the call continues with the next seq, gap-free, and ends normally.
     */
    async expectResumedAfterKill(from: ServerProcess, to: ServerProcess, caseId: string, audio: Buffer) {
      const caller = await open(wsUrl(from, '/api/stream/asr', tokens.ingress));
      caller.ws.send(start(caseId));
      const sent = await stream(
        caller.ws,
        audio,
        0,
        () => caller.events.filter((e) => e.type === 'speech_end').length >= 2,
      );
      const before = caller.events.filter((e) => e.seq > 0);
      const lastSeq = before.at(-1)?.seq ?? 0;
      await from.kill9();
      caller.ws.terminate();
      // The client retries until the killed node's claim has lapsed (HOTLINE_CASE_LEASE_MS).
      const resumed = await resumeOn(to, caseId, lastSeq);
      await stream(resumed.ws, audio, sent, () => false);
      resumed.ws.send(JSON.stringify({ type: 'end' }));
      await resumed.closed;
      const after = resumed.events.filter((e) => e.seq > 0);
      expect(after[0]).toMatchObject({ type: 'started', resumed: true, seq: lastSeq + 1 });
      expectGapFree([...before, ...after]);
      expect(after.at(-1)).toMatchObject({ type: 'closed', reason: 'end' });
    },
  };
}
