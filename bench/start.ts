/**
 * `npm run bench:start` — how long `npm start` takes until the server answers, on the shipped data
 * (Taipei FAQ, lexicons, Silero VAD): the first start in an empty data directory (the KB is imported
 * and indexed) and restarts with the KB already indexed. Runs the command `npm start` runs
 * (`node bin/hotline-assist.js serve`) as a child process and polls `/healthz`; also reports the
 * server process's CPU time at that moment (steadier than wall time on a shared machine). Writes
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

/** One `npm start` on the shipped data (no HOTLINE_* setting but the data dir and port). */
async function startOnce(dataDir: string): Promise<{ ready_s: number; cpu_s: number | null }> {
  const port = await freePort();
  const server = await launchServer(
    [join(repoRoot, 'bin/hotline-assist.js'), 'serve'],
    withoutHotlineSettings({
      HOTLINE_DATA_DIR: dataDir,
      HOTLINE_PORT: String(port),
      HOTLINE_LOG_LEVEL: 'warn',
    }),
    port,
    180_000,
  );
  const cpu = server.child.pid ? cpuSeconds(server.child.pid) : null;
  await server.stop();
  return { ready_s: server.readySeconds, cpu_s: cpu };
}

const dataDir = mkdtempSync(join(tmpdir(), 'bench-start-'));
const runs: Array<{ run: string; ready_s: number; cpu_s: number | null }> = [];
try {
  runs.push({ run: 'first start (import + index)', ...(await startOnce(dataDir)) });
  for (let i = 1; i <= RESTARTS; i++) runs.push({ run: `restart ${i}`, ...(await startOnce(dataDir)) });
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

console.log('run                            ready (s)  server CPU (s)');
for (const r of runs) console.log(`${r.run.padEnd(30)} ${String(r.ready_s).padStart(9)}  ${r.cpu_s ?? '—'}`);
const restarts = runs.slice(1).map((r) => r.ready_s);
const result = { runs, best_restart_s: Math.min(...restarts), goal_s: 3, at: new Date().toISOString() };
console.log(`best restart ${result.best_restart_s} s (goal < ${result.goal_s} s)`);
mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
writeFileSync(join(repoRoot, 'bench/results/start.json'), JSON.stringify(result, null, 2) + '\n');
