/**
 * `npm run bench:stream`: concurrent simulated calls of real audio at real-time pace over loopback
 * (8 kHz μ-law, 100 ms frames), ramped in steps, against (a) the gateway without VAD, (b) the gateway
 * with real Silero VAD per call, and the same load against a bare `ws` echo server as the baseline.
 * Server and load generator run in their own processes. Writes bench/results/stream.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { configSchema } from '../src/config/index.js';
import type { VadPlanSettings } from './lib/vad-plan.js';
import { sharedPaths } from '../test/shared.js';
import { Child, type GeneratorSample, type Percentiles, type ServerSample } from './lib/ipc.js';

const { values: flags } = parseArgs({
  options: {
    'gateway-steps': { type: 'string', default: '250,500,1000,2500,5000' },
    'vad-steps': { type: 'string', default: '10,25,50,100,150,200,250,300,400' },
    hold: { type: 'string', default: '6' },
    settle: { type: 'string', default: '2' },
    ramp: { type: 'string', default: '500' },
    budget: { type: 'string', default: '170' },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log(`npm run bench:stream -- [options]
  --gateway-steps 250,500,...,5000 calls per step, gateway without VAD (a); stops at the first step over target
  --vad-steps 10,25,50,...         calls per step with Silero VAD (b); stops at the first step over target
  --hold 6          seconds measured per step      --settle 2   seconds after a ramp before measuring
  --ramp 500        new calls per second           --budget 170 seconds for the whole run (steps beyond are skipped)
  --only gateway|vad                                --profile    write a --cpu-prof of the server under bench/results/profiles`);
  process.exit(0);
}
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

type ServerMode = 'gateway' | 'vad' | 'echo';

interface StepResult {
  server: ServerMode;
  calls: number;
  held: number;
  failed: number;
  /** Server CPU, in cores (CPU seconds per second). */
  cpuCores: number;
  /** Share of one core per call, in percent. */
  cpuPerCallPct: number;
  memPerCallKiB: number;
  rssMiB: number;
  framesPerSecond: number;
  /** Server side: frame arrival → its events emitted (onFrameProcessed). */
  frame: Percentiles;
  serverLoopDelay: Percentiles;
  /** Client side: ping right after a frame → pong. */
  ping: Percentiles;
  echo: Percentiles;
  /** Client side: frame that completes the triggering audio → speech_start / speech_end. */
  speech: Percentiles;
  speechUnmatched: number;
  generatorLagP99: number;
  /** The load generator's CPU, in cores: on 2 cores, what it takes the server cannot have. */
  generatorCpuCores: number;
  pass: boolean;
  notes: string[];
}

const vadDefaults = configSchema.parse({}).vad;
const vadSettings: VadPlanSettings = {
  model: sharedPaths.vadModel,
  gate: vadDefaults.gate,
  telephone: vadDefaults.telephone,
  threshold: vadDefaults.threshold,
  minSilenceMs: vadDefaults.minSilenceMs,
  minSpeechMs: vadDefaults.minSpeechMs,
  maxUtteranceMs: vadDefaults.maxUtteranceMs,
};

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

/** One server process, one generator process, calls ramped step by step. */
async function runSteps(
  server: ServerMode,
  steps: number[],
  targetMs: number,
  stopAtMiss: boolean,
  /** Seconds since the run began after which no further step starts. */
  deadlineS: number,
): Promise<StepResult[]> {
  // A 64 MiB young generation: thousands of calls allocate short-lived frame buffers fast enough that
  // V8's default scavenges often (one run at 3,000 calls: loop-delay p99 173 ms → 36 ms with it).
  // The README recommends the same flag for big deployments.
  const execArgv = ['--expose-gc', '--max-semi-space-size=64'];
  if (flags.profile && server !== 'echo') {
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${join(resultsDir, 'profiles')}`);
  }
  const serverProcess = new Child('./server.ts', [server], execArgv);
  const generator = new Child('./load-generator.ts', []);
  const results: StepResult[] = [];
  try {
    const url = await serverProcess.request<string>('url');
    const maxSeconds = budgetS + 60;
    const info = await generator.request<{ frames: number; plannedSpeechEvents: number }>('init', {
      url,
      protocol: server === 'echo' ? 'echo' : 'stream',
      vad: server === 'vad' ? vadSettings : null,
      planSeconds: server === 'vad' ? maxSeconds : 0,
    });
    console.error(
      `[${server}] ${url} · call audio ${(info.frames / 10).toFixed(1)} s looped` +
        (server === 'vad' ? ` · ${info.plannedSpeechEvents} speech events planned per call` : ''),
    );
    await sleep(0.5);
    await serverProcess.request('gc');
    const baseline = await serverProcess.request<ServerSample>('sample');
    for (const calls of steps) {
      const stepS = calls / rampPerSecond + settleS + holdS;
      if (elapsedS() + stepS > deadlineS) {
        console.error(
          `[${server}] ${calls} calls and up skipped: the --budget of ${budgetS} s would be exceeded`,
        );
        break;
      }
      try {
        await generator.request('target', { calls, perSecond: rampPerSecond }, (stepS + 60) * 1000);
      } catch (err) {
        console.error(`[${server}] ${calls} calls could not be opened: ${(err as Error).message}`);
        break;
      }
      await sleep(settleS);
      await serverProcess.request('gc');
      const s0 = await serverProcess.request<ServerSample>('sample');
      await generator.request<GeneratorSample>('sample');
      await sleep(holdS);
      const g = await generator.request<GeneratorSample>('sample');
      const s1 = await serverProcess.request<ServerSample>('sample');
      const result = summarize(server, calls, targetMs, baseline, s0, s1, g);
      results.push(result);
      console.error(
        `[${server}] ${calls} calls: held ${result.held}, cpu ${result.cpuCores.toFixed(2)} cores, ` +
          `frame p99 ${result.frame.p99.toFixed(2)} ms, ping p99 ${result.ping.p99.toFixed(1)} ms` +
          (server === 'vad' ? `, speech p99 ${result.speech.p99.toFixed(1)} ms` : '') +
          (server === 'echo' ? `, echo p99 ${result.echo.p99.toFixed(1)} ms` : '') +
          ` → ${result.pass ? 'ok' : 'MISS'} ${result.notes.join('; ')}`,
      );
      if (stopAtMiss && !result.pass) break;
    }
  } finally {
    await generator.stop();
    await serverProcess.stop();
  }
  return results;
}

function summarize(
  server: ServerMode,
  calls: number,
  targetMs: number,
  baseline: ServerSample,
  s0: ServerSample,
  s1: ServerSample,
  g: GeneratorSample,
): StepResult {
  const cpuCores = (s1.cpuMicros - s0.cpuMicros) / 1e3 / (s1.atMs - s0.atMs);
  const held = Math.min(g.open, s1.liveCalls);
  const notes: string[] = [];
  if (held < calls) notes.push(`${calls - held} calls not held`);
  // Server side: processing (hook) and waiting (event-loop delay) both delay a frame's events.
  if (s1.frame.p99 >= targetMs) notes.push(`frame p99 ≥ ${targetMs} ms`);
  if (s1.loopDelay.p99 >= targetMs) notes.push(`server loop delay p99 ≥ ${targetMs} ms`);
  if (server === 'vad' && g.speech.count === 0) notes.push('no speech events measured');
  if (g.speechUnmatched > 0) notes.push(`${g.speechUnmatched} speech events off plan`);
  // A generator that cannot keep real time under-loads the server: the step does not count.
  if (g.sendLag.p99 >= targetMs) notes.push(`generator lag p99 ${g.sendLag.p99.toFixed(0)} ms`);
  return {
    server,
    calls,
    held,
    failed: g.failed + g.closedEarly,
    cpuCores,
    cpuPerCallPct: (cpuCores / calls) * 100,
    memPerCallKiB: (s1.rssBytes - baseline.rssBytes) / calls / 1024,
    rssMiB: s1.rssBytes / 2 ** 20,
    framesPerSecond: (g.framesSent / g.sinceMs) * 1000,
    frame: s1.frame,
    serverLoopDelay: s1.loopDelay,
    ping: g.ping,
    echo: g.echo,
    speech: g.speech,
    speechUnmatched: g.speechUnmatched,
    generatorLagP99: g.sendLag.p99,
    generatorCpuCores: g.cpuMicros / 1e3 / g.sinceMs,
    pass: notes.length === 0,
    notes,
  };
}

const ms = (v: number) => (v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2));
const ratio = (a: number, b: number | undefined) => (b && b > 0 ? `${(a / b).toFixed(1)}×` : '–');

function table(title: string, rows: StepResult[], baseline: StepResult[]): string {
  const head = [
    'server',
    'calls',
    'held',
    'CPU cores',
    'generator cores',
    'CPU %/call',
    'KiB/call',
    'frame p50/p99 ms',
    'loop p99 ms',
    'ping p50/p99 ms',
    'speech or echo p50/p99 ms',
    'CPU vs echo',
    'mem vs echo',
    'target',
  ];
  const lines = rows.map((r) => {
    const echo = baseline.find((b) => b.calls === r.calls);
    const client = r.server === 'vad' ? r.speech : r.server === 'echo' ? r.echo : null;
    return [
      r.server,
      String(r.calls),
      String(r.held),
      r.cpuCores.toFixed(2),
      r.generatorCpuCores.toFixed(2),
      r.cpuPerCallPct.toFixed(4),
      r.memPerCallKiB.toFixed(1),
      `${ms(r.frame.p50)} / ${ms(r.frame.p99)}`,
      ms(r.serverLoopDelay.p99),
      `${ms(r.ping.p50)} / ${ms(r.ping.p99)}`,
      client ? `${ms(client.p50)} / ${ms(client.p99)}` : '–',
      r.server === 'echo' ? '' : ratio(r.cpuPerCallPct, echo?.cpuPerCallPct),
      r.server === 'echo' ? '' : ratio(r.memPerCallKiB, echo?.memPerCallKiB),
      r.pass ? 'ok' : `MISS: ${r.notes.join('; ')}`,
    ];
  });
  if (rows.length === 0) return `\n${title}: not run`;
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [`\n${title}`, fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}

const runGateway = flags.only !== 'vad';
const runVad = flags.only !== 'gateway';
const gatewaySteps = list(flags['gateway-steps']);
// The budget is shared out so that every scenario, and each baseline, gets its turn.
const share = (f: number) => (runGateway && runVad ? budgetS * f : budgetS);
const gateway = runGateway ? await runSteps('gateway', gatewaySteps, 50, true, share(0.3)) : [];
const gatewayEchoSteps = gateway.map((r) => r.calls);
const gatewayEcho = runGateway ? await runSteps('echo', gatewayEchoSteps, 50, false, share(0.55)) : [];
const vad = runVad ? await runSteps('vad', list(flags['vad-steps']), 100, true, share(0.9)) : [];
const vadBest = [...vad].reverse().find((r) => r.pass) ?? null;
const vadEcho = vadBest ? await runSteps('echo', [vadBest.calls], 100, false, Infinity) : [];

/** The most calls that met the target, and what they cost. */
function best(rows: StepResult[]) {
  const r = [...rows].reverse().find((row) => row.pass);
  return r
    ? {
        calls: r.calls,
        cpuCores: r.cpuCores,
        callsPerCore: r.calls / r.cpuCores,
        memPerCallKiB: r.memPerCallKiB,
        frameP99Ms: r.frame.p99,
        loopDelayP99Ms: r.serverLoopDelay.p99,
      }
    : null;
}
const summary = {
  gateway: {
    target: '5,000 calls held, p99 < 50 ms',
    met: gateway.some((r) => r.calls >= 5000 && r.pass),
    best: best(gateway),
  },
  vad: { target: 'p99 < 100 ms', best: best(vad), speechP99Ms: vadBest?.speech.p99 ?? null },
};
const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
  options: { holdS, settleS, rampPerSecond, budgetS, frameMs: 100, format: 'mulaw', sampleRate: 8000 },
  gateway,
  gatewayEcho,
  vad,
  vadEcho,
  summary,
  durationS: elapsedS(),
};
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'stream.json'), JSON.stringify(report, null, 2));

console.log(table('(a) gateway only, no VAD — target: 5,000 calls held, p99 < 50 ms', gateway, gatewayEcho));
console.log(table('(a) baseline: bare ws echo server, same load', gatewayEcho, []));
console.log(table('(b) gateway with Silero VAD per call — target: p99 < 100 ms', vad, vadEcho));
console.log(table('(b) baseline: bare ws echo server at the most calls that met the target', vadEcho, []));
const line = (name: string, b: ReturnType<typeof best>, targetMs: number) =>
  b
    ? `${name}: most calls meeting p99 < ${targetMs} ms: ${b.calls}, using ${b.cpuCores.toFixed(2)} cores → ${b.callsPerCore.toFixed(0)} calls per core`
    : `${name}: no step met p99 < ${targetMs} ms`;
console.log(
  `\n${line('(a) gateway', summary.gateway.best, 50)}; 5,000-call target ${summary.gateway.met ? 'met' : 'NOT met'}`,
);
console.log(line('(b) gateway + VAD', summary.vad.best, 100));
console.log(`results: ${join(resultsDir, 'stream.json')} (${elapsedS().toFixed(0)} s)`);
