/**
 * `npm run bench:stream`: concurrent simulated calls of real audio at real-time pace over loopback
 * (8 kHz μ-law, 100 ms frames), ramped in steps, per scenario:
 *
 * - `gateway`: the stream stack without VAD;
 * - `vad`: with the Silero VAD workers;
 * - `full`: the app exactly as `npm start` wires it (archive, text stage, Taipei FAQ assistant, VAD),
 *   finals from the spoken-queries stand-in (no ASR model exists here);
 * - `asr`: `full` plus the CPU-costed ASR stand-in keeping its worker threads busy;
 * - `burst`: calls opened all at once against a fresh `full` app;
 *
 * each beside a bare `ws` echo server under the same number of calls. Server and load generator run
 * in their own processes. Prints one table per scenario and writes bench/results/stream.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { configSchema } from '../src/config/index.js';
import { sharedPaths } from '../test/shared.js';
import { Child, type BurstReport, type GeneratorSample, type ServerSample } from './lib/ipc.js';
import {
  best,
  burstTable,
  table,
  verdicts,
  type BurstResult,
  type ScenarioResults,
} from './lib/stream-report.js';
import {
  line,
  missed,
  ms,
  pair,
  SCENARIOS,
  TARGETS,
  stepTargets,
  summarize,
  type RampedScenario,
  type Scenario,
  type StepResult,
} from './lib/stream-steps.js';
import type { VadPlanSettings } from './lib/vad-plan.js';

type ServerMode = 'gateway' | 'vad' | 'full' | 'asr' | 'echo';

const { values: flags } = parseArgs({
  options: {
    only: { type: 'string', default: SCENARIOS.join(',') },
    'gateway-steps': { type: 'string', default: '1000,2000,3000' },
    'vad-steps': { type: 'string', default: '300,600,900,1200' },
    'full-steps': { type: 'string', default: '150,300,450,600' },
    'asr-calls': { type: 'string', default: '100' },
    'asr-cost-ms': { type: 'string', default: '100' },
    'asr-workers': { type: 'string', default: '2' },
    'burst-calls': { type: 'string', default: '200' },
    'vad-workers': { type: 'string' },
    hold: { type: 'string', default: '6' },
    settle: { type: 'string', default: '2' },
    ramp: { type: 'string', default: '500' },
    budget: { type: 'string', default: '420' },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log(`npm run bench:stream -- [options]
  --only gateway,vad,full,asr,burst   scenarios to run (default: all)
  --gateway-steps 1000,2000,3000      calls per step without VAD; each ramp stops at the first step over target
  --vad-steps 300,600,900,1200        calls per step with the Silero VAD workers
  --full-steps 150,300,450,600        calls per step of the whole app (VAD + text + retrieval + archive, no ASR)
  --asr-calls 100                     calls of the whole app with the ASR stand-in in front of the text
  --asr-cost-ms 100                   the ASR stand-in's CPU milliseconds per second of utterance audio
  --asr-workers 2                     the ASR stand-in's worker threads
  --burst-calls 200                   calls opened at once against a fresh app
  --vad-workers N                     VAD worker threads (default: the product's setting)
  --hold 6   seconds measured per step     --settle 2   seconds after a ramp before measuring
  --ramp 500 new calls per second          --budget 420 seconds for the whole run (steps beyond are skipped)
  --profile  write a --cpu-prof of the servers under bench/results/profiles`);
  process.exit(0);
}
const only = new Set(flags.only.split(',').map((s) => s.trim()));
for (const s of only) if (!SCENARIOS.includes(s as Scenario)) throw new Error(`unknown scenario ${s}`);
const list = (s: string) =>
  s
    .split(',')
    .map((n) => Number.parseInt(n, 10))
    .filter((n) => n > 0);
const holdS = Number(flags.hold);
const settleS = Number(flags.settle);
const rampPerSecond = Number(flags.ramp);
const budgetS = Number(flags.budget);
const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');
const began = Date.now();
const elapsedS = () => (Date.now() - began) / 1000;
const serverOptions = {
  ...(flags['vad-workers'] ? { vadWorkers: Number(flags['vad-workers']) } : {}),
  asrCostMs: Number(flags['asr-cost-ms']),
  asrWorkers: Number(flags['asr-workers']),
};

const vadDefaults = configSchema.parse({}).vad;
const vadPlan: VadPlanSettings = {
  model: sharedPaths.vadModel,
  gate: vadDefaults.gate,
  telephone: vadDefaults.telephone,
  threshold: vadDefaults.threshold,
  minSilenceMs: vadDefaults.minSilenceMs,
  minSpeechMs: vadDefaults.minSpeechMs,
  maxUtteranceMs: vadDefaults.maxUtteranceMs,
};
const withVad = (mode: ServerMode) => mode !== 'gateway' && mode !== 'echo';
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

/** One server process (its data folder shared by the app scenarios: the FAQ is imported once). */
const appDataDir = mkdtempSync(join(tmpdir(), 'hotline-bench-app-'));
function startServer(mode: ServerMode): Child {
  // Gateway: a 64 MiB young generation. Thousands of calls allocate short-lived frame buffers fast
  // enough that V8's default scavenges often (one run at 3,000 calls: loop-delay p99 173 ms → 36 ms
  // with it; the README recommends it for big deployments). Not for the hundreds of calls of the
  // other scenarios: there its slack would count as memory per call.
  const execArgv = ['--expose-gc', ...(mode === 'gateway' ? ['--max-semi-space-size=64'] : [])];
  if (flags.profile && mode !== 'echo')
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${join(resultsDir, 'profiles')}`);
  return new Child(
    './server.ts',
    [mode, JSON.stringify({ ...serverOptions, dataDir: appDataDir })],
    execArgv,
    // The thread pool `npm start` and the Docker image give the server (package.json, Dockerfile).
    { UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16' },
  );
}

async function initGenerator(generator: Child, server: Child, mode: ServerMode): Promise<string> {
  const url = await server.request<string>('url', {}, 300_000);
  const info = await generator.request<{ frames: number; plannedSpeechEvents: number }>('init', {
    url,
    protocol: mode === 'echo' ? 'echo' : 'stream',
    vad: withVad(mode) ? vadPlan : null,
    planSeconds: withVad(mode) ? budgetS + 60 : 0,
  });
  console.error(
    `[${mode}] ${url.replace(/token=[^&]+/, 'token=…')} · call audio ${(info.frames / 10).toFixed(1)} s looped` +
      (withVad(mode) ? ` · ${info.plannedSpeechEvents} speech events planned per call` : ''),
  );
  return url;
}

/** One server, one generator, calls ramped step by step until a step misses (or the deadline). */
async function runSteps(
  scenario: Scenario | 'echo',
  mode: ServerMode,
  steps: number[],
  passes: (r: StepResult) => string[],
  deadlineS: number,
  stopAtMiss = true,
): Promise<StepResult[]> {
  const server = startServer(mode);
  const generator = new Child('./load-generator.ts', []);
  const results: StepResult[] = [];
  try {
    await initGenerator(generator, server, mode);
    await sleep(0.5);
    await server.request('gc');
    const baseline = await server.request<ServerSample>('sample');
    for (const calls of steps) {
      const stepS = calls / rampPerSecond + settleS + holdS;
      if (elapsedS() + stepS > deadlineS) {
        console.error(
          `[${scenario}] ${calls} calls and up skipped: the --budget of ${budgetS} s would be exceeded`,
        );
        break;
      }
      try {
        await generator.request('target', { calls, perSecond: rampPerSecond }, (stepS + 60) * 1000);
      } catch (err) {
        console.error(`[${scenario}] ${calls} calls could not be opened: ${(err as Error).message}`);
        break;
      }
      await sleep(settleS);
      const s0 = await server.request<ServerSample>('sample');
      await generator.request<GeneratorSample>('sample');
      await sleep(holdS);
      const g = await generator.request<GeneratorSample>('sample');
      const s1 = await server.request<ServerSample>('sample');
      // Memory after a forced GC, taken after the hold: the forced GC stops the server for as long as
      // a full collection of its heap takes (0.2–0.5 s with the FAQ index), and the speech events it
      // held up used to land in the hold as the `full` step's p99.
      await server.request('gc');
      const memory = await server.request<ServerSample>('sample');
      const result = summarize(scenario, calls, baseline, s0, { ...s1, rssBytes: memory.rssBytes }, g);
      result.notes.push(...passes(result));
      result.pass = result.notes.length === 0;
      results.push(result);
      console.error(`[${scenario}] ${line(result)}`);
      if (stopAtMiss && !result.pass) break;
    }
  } finally {
    await generator.stop();
    await server.stop();
  }
  return results;
}

const steps = {
  gateway: list(flags['gateway-steps']),
  vad: list(flags['vad-steps']),
  full: list(flags['full-steps']),
};
/** Seconds since the start after which a scenario starts no further step: each gets its share. */
const deadline = (scenario: RampedScenario) => {
  const ramped = (['gateway', 'vad', 'full'] as const).filter((s) => only.has(s));
  // asr and burst take a fixed ~40 s each at the end.
  const fixed = (only.has('asr') ? 40 : 0) + (only.has('burst') ? 40 : 0);
  return ((ramped.indexOf(scenario) + 1) / ramped.length) * Math.max(60, budgetS - fixed);
};

const results: ScenarioResults = {};
for (const scenario of ['gateway', 'vad', 'full'] as const)
  if (only.has(scenario))
    results[scenario] = await runSteps(
      scenario,
      scenario,
      steps[scenario],
      stepTargets[scenario],
      deadline(scenario),
    );
if (only.has('asr'))
  results.asr = await runSteps('asr', 'asr', [Number(flags['asr-calls'])], stepTargets.asr, Infinity, false);

let burst: BurstResult | null = null;
if (only.has('burst')) {
  const server = startServer('full');
  const generator = new Child('./load-generator.ts', []);
  try {
    await initGenerator(generator, server, 'full');
    await sleep(1);
    await server.request<ServerSample>('sample');
    const report = await generator.request<BurstReport>(
      'burst',
      { calls: Number(flags['burst-calls']) },
      120_000,
    );
    const loop = (await server.request<ServerSample>('sample')).loopDelay;
    const notes = [
      ...missed(report.failed > 0, `${report.failed} calls not started`),
      ...missed(loop.max >= 100, `loop stall ${ms(loop.max)} ms ≥ 100 ms`),
      ...missed(report.startedMs.max >= 2000, `last call started after ${ms(report.startedMs.max)} ms`),
    ];
    burst = { report, loop, pass: notes.length === 0, notes };
    console.error(
      `[burst] ${report.calls} calls at once: started p50/max ${pair(report.startedMs)}/${ms(report.startedMs.max)} ms, ` +
        `loop p99/max ${ms(loop.p99)}/${ms(loop.max)} ms → ${burst.pass ? 'ok' : `MISS: ${notes.join('; ')}`}`,
    );
  } finally {
    await generator.stop();
    await server.stop();
  }
}

/** The baseline: the same numbers of calls against a bare `ws` echo server. */
const echoCalls = [
  ...new Set(
    (['gateway', 'vad', 'full', 'asr'] as const).flatMap((s) => {
      const b = best(results[s]);
      return b ? [b.calls] : [];
    }),
  ),
].sort((a, b) => a - b);
const echo = echoCalls.length > 0 ? await runSteps('echo', 'echo', echoCalls, () => [], Infinity, false) : [];
rmSync(appDataDir, { recursive: true, force: true });

const verdict = verdicts(results, burst);
const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
  options: {
    holdS,
    settleS,
    rampPerSecond,
    budgetS,
    frameMs: 100,
    format: 'mulaw',
    sampleRate: 8000,
    vad: vadPlan,
    server: serverOptions,
  },
  targets: TARGETS,
  results,
  burst,
  echo,
  verdicts: verdict,
  durationS: elapsedS(),
};
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'stream.json'), JSON.stringify(report, null, 2));

for (const scenario of ['gateway', 'vad', 'full', 'asr'] as const) {
  const rows = results[scenario];
  if (rows) console.log(table(scenario, rows, echo));
}
if (burst) console.log(burstTable(burst));
console.log('');
for (const [scenario, v] of Object.entries(verdict)) {
  console.log(`${scenario}: ${v.met ? 'target met' : 'target NOT met'} — ${v.detail}`);
}
console.log(`results: ${join(resultsDir, 'stream.json')} (${elapsedS().toFixed(0)} s)`);
