/**
 * `npm run bench:start` — how long `npm start` takes until the server answers, on the shipped data
 * (Taipei FAQ, lexicons, Silero VAD): the first start in an empty data directory (the KB is imported
 * and indexed) and restarts with the KB already indexed. Runs the command `npm start` runs
 * (`node bin/hotline-assist.js serve`) as a child process and polls `/healthz`; also reports the
 * server process's CPU time at that moment (steadier than wall time on a shared machine), and how long
 * the first typed question then takes to be answered (work a start leaves for later — the lexicon's
 * pinyin readings, public numbers, the segmenter's dictionary — shows there). Writes
 * bench/results/start.json. Goal: a restart under 3 s.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, launchServer, withoutHotlineSettings } from '../test/crash/server.js';
import { repoRoot } from '../test/shared.js';

const RESTARTS = Number(process.env.BENCH_START_RESTARTS ?? 3);

/** user + system CPU seconds of a process so far, from /proc (Linux). */
function cpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

const TOKEN = 'bench-start-admin-token-7f3a9c2e51d84b06';
const QUESTION = '我家舊沙發要丟要怎麼叫人來收';

/** Seconds until the text channel answers QUESTION, and the question of the first card it shows. */
async function firstAnswer(url: string): Promise<{ first_answer_s: number; first_card: string | null }> {
  const started = performance.now();
  const post = async (path: string, body: unknown) => {
    const reply = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!reply.ok) throw new Error(`${path}: HTTP ${reply.status} ${await reply.text()}`);
    return reply.json() as Promise<Record<string, unknown>>;
  };
  const { conversation_id } = (await post('/api/conversation', {})) as { conversation_id: string };
  const answer = (await post('/api/query', { conversation_id, text: QUESTION })) as {
    faq_candidates: Array<{ question: string }>;
  };
  return {
    first_answer_s: Number(((performance.now() - started) / 1000).toFixed(2)),
    first_card: answer.faq_candidates[0]?.question ?? null,
  };
}

interface StartRun {
  ready_s: number;
  cpu_s: number | null;
  first_answer_s: number;
  first_card: string | null;
}

/** One `npm start` on the shipped data (no HOTLINE_* setting but the data dir, port and admin token). */
async function startOnce(dataDir: string): Promise<StartRun> {
  const port = await freePort();
  const server = await launchServer(
    [join(repoRoot, 'bin/hotline-assist.js'), 'serve'],
    withoutHotlineSettings({
      HOTLINE_DATA_DIR: dataDir,
      HOTLINE_PORT: String(port),
      HOTLINE_LOG_LEVEL: 'warn',
      HOTLINE_ADMIN_TOKEN: TOKEN,
    }),
    port,
    180_000,
  );
  const cpu = server.child.pid ? cpuSeconds(server.child.pid) : null;
  try {
    return { ready_s: server.readySeconds, cpu_s: cpu, ...(await firstAnswer(server.url)) };
  } finally {
    await server.stop();
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'bench-start-'));
const runs: Array<{ run: string } & StartRun> = [];
try {
  runs.push({ run: 'first start (import + index)', ...(await startOnce(dataDir)) });
  for (let i = 1; i <= RESTARTS; i++) runs.push({ run: `restart ${i}`, ...(await startOnce(dataDir)) });
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

console.log('run                            ready (s)  server CPU (s)  first answer (s)  first card');
for (const r of runs)
  console.log(
    `${r.run.padEnd(30)} ${String(r.ready_s).padStart(9)}  ${String(r.cpu_s ?? '—').padStart(14)}  ${String(r.first_answer_s).padStart(16)}  ${r.first_card ?? '—'}`,
  );
const restarts = runs.slice(1).map((r) => r.ready_s);
const result = { runs, best_restart_s: Math.min(...restarts), goal_s: 3, at: new Date().toISOString() };
console.log(`best restart ${result.best_restart_s} s (goal < ${result.goal_s} s)`);
mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
writeFileSync(join(repoRoot, 'bench/results/start.json'), JSON.stringify(result, null, 2) + '\n');
