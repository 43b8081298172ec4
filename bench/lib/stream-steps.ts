/**
 * `bench:stream`'s measurements: one step's numbers from the server's and the load generator's
 * samples, and the targets (issue 15) each scenario's steps are held to.
 */
import type { GeneratorSample, Percentiles, ServerSample } from './ipc.js';

export const SCENARIOS = ['gateway', 'vad', 'full', 'asr', 'burst'] as const;
export type Scenario = (typeof SCENARIOS)[number];
/** The ramped scenarios, in the order they run. */
export type RampedScenario = 'gateway' | 'vad' | 'full';

/** The targets of issue 15 on this 2-core machine (benchmarks, not timed tests). */
export const TARGETS = {
  gateway: 'loop and frame p99 < 50 ms',
  vad: '≥ 600 calls per core with speech events p99 < 150 ms and ≤ 256 KiB per call',
  full: '≥ 300 calls per core with speech_end → suggestion p99 < 100 ms',
  asr: 'loop p99 < 50 ms while the ASR stand-in keeps its workers ≥ 95 % busy',
  burst: 'loop stall < 100 ms, every call started within 2 s',
} as const;

export interface StepResult {
  scenario: Scenario | 'echo';
  calls: number;
  held: number;
  failed: number;
  /** Server CPU, in cores (CPU seconds per second), all its threads. */
  cpuCores: number;
  /** The main thread's share of it, in cores; null where it cannot be read. */
  mainThreadCores: number | null;
  /** Share of the hold the main thread was ready to run but waited for a core (other threads, other processes). */
  mainThreadWaiting: number | null;
  /**
   * CPU of every other process on the machine during the step, in cores (neither the server nor the
   * load generator): on a shared machine, how much the step's latency had to share.
   */
  otherCores: number | null;
  callsPerCore: number;
  memPerCallKiB: number;
  rssMiB: number;
  /** Server side: frame arrival → its events emitted (stream stack only). */
  frame: Percentiles;
  serverLoopDelay: Percentiles;
  /** The main thread's longest garbage-collection pause, and the share of the hold spent in them. */
  gcPauses: { maxMs: number; share: number };
  /** Client side: frame completing a speech event's audio → the event (echo: frame → its echo). */
  event: Percentiles;
  /** The speech_end events of `event`: each waits for its utterance's durable commit. */
  speechEnd: Percentiles;
  speechUnmatched: number;
  /** Client side: speech_end → the suggestion for that utterance. */
  suggestion: Percentiles;
  suggestionsPending: number;
  /** ASR stand-in workers: share of wall time spent working, per worker. */
  workerBusy: number[];
  generatorLagP99: number;
  generatorCpuCores: number;
  errors: Record<string, number>;
  pass: boolean;
  notes: string[];
}

/** One step: the server's samples at the start (`s0`) and end (`s1`) of the hold, the generator's at its end. */
export function summarize(
  scenario: StepResult['scenario'],
  calls: number,
  baseline: ServerSample,
  s0: ServerSample,
  s1: ServerSample,
  g: GeneratorSample,
): StepResult {
  const wallMs = s1.atMs - s0.atMs;
  const cpuCores = (s1.cpuMicros - s0.cpuMicros) / 1e3 / wallMs;
  const generatorCores = g.cpuMicros / 1e3 / g.sinceMs;
  const held = Math.min(g.open, s1.liveCalls);
  const notes: string[] = [];
  if (held < calls) notes.push(`${calls - held} calls not held`);
  if (g.speechUnmatched > 0) notes.push(`${g.speechUnmatched} speech events off plan`);
  if (g.speechOverdue > 0)
    notes.push(
      `${g.speechOverdue} speech events overdue (oldest ${(g.speechOverdueOldestMs / 1000).toFixed(1)} s)`,
    );
  // A generator that cannot keep real time under-loads the server: the step does not count.
  if (g.sendLag.p99 >= 100) notes.push(`generator lag p99 ${g.sendLag.p99.toFixed(0)} ms`);
  return {
    scenario,
    calls,
    held,
    failed: g.failed + g.closedEarly,
    cpuCores,
    mainThreadCores:
      s1.mainThread && s0.mainThread
        ? (s1.mainThread.cpuMicros - s0.mainThread.cpuMicros) / 1e3 / wallMs
        : null,
    mainThreadWaiting:
      s1.mainThread && s0.mainThread
        ? (s1.mainThread.waitMicros - s0.mainThread.waitMicros) / 1e3 / wallMs
        : null,
    otherCores:
      s1.machineMicros === null || s0.machineMicros === null
        ? null
        : Math.max(0, (s1.machineMicros - s0.machineMicros) / 1e3 / wallMs - cpuCores - generatorCores),
    callsPerCore: calls / cpuCores,
    memPerCallKiB: (s1.rssBytes - baseline.rssBytes) / calls / 1024,
    rssMiB: s1.rssBytes / 2 ** 20,
    frame: s1.frame,
    serverLoopDelay: s1.loopDelay,
    gcPauses: { maxMs: s1.gcPauses.maxMs, share: s1.gcPauses.totalMs / wallMs },
    event: scenario === 'echo' ? g.echo : g.speech,
    speechEnd: g.speechEnd,
    speechUnmatched: g.speechUnmatched,
    suggestion: g.suggestion,
    suggestionsPending: g.suggestionsPending,
    workerBusy: s1.workerBusyMicros.map((us, i) => (us - (s0.workerBusyMicros[i] ?? 0)) / 1e3 / wallMs),
    generatorLagP99: g.sendLag.p99,
    generatorCpuCores: generatorCores,
    errors: g.errors,
    pass: true,
    notes,
  };
}

export const ms = (v: number) => (v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2));
export const pair = (p: Percentiles) => (p.count > 0 ? `${ms(p.p50)} / ${ms(p.p99)}` : '–');
export const busyShares = (r: StepResult, separator: string) =>
  r.workerBusy.map((b) => `${(b * 100).toFixed(0)} %`).join(separator);

/** One step as a progress line. */
export function line(r: StepResult): string {
  return (
    `${r.calls} calls: held ${r.held}, ${r.cpuCores.toFixed(2)} cores (${r.callsPerCore.toFixed(0)} calls/core), ` +
    `${r.memPerCallKiB.toFixed(0)} KiB/call, loop p99 ${ms(r.serverLoopDelay.p99)} ms, event p99 ${ms(r.event.p99)} ms` +
    (r.suggestion.count > 0 ? `, suggestion p99 ${ms(r.suggestion.p99)} ms` : '') +
    (r.workerBusy.length > 0 ? `, ASR workers busy ${busyShares(r, '/')}` : '') +
    ` → ${r.pass ? 'ok' : `MISS: ${r.notes.join('; ')}`}`
  );
}

export const missed = (cond: boolean, note: string) => (cond ? [note] : []);

/** What a step of each scenario missed of its target (empty: it passes). */
export const stepTargets: Record<RampedScenario | 'asr', (r: StepResult) => string[]> = {
  gateway: (r) => [
    ...missed(r.serverLoopDelay.p99 >= 50, 'loop p99 ≥ 50 ms'),
    ...missed(r.frame.p99 >= 50, 'frame p99 ≥ 50 ms'),
  ],
  vad: (r) => [
    ...missed(r.event.count === 0, 'no speech events measured'),
    ...missed(r.event.p99 >= 150, 'speech events p99 ≥ 150 ms'),
    ...missed(r.memPerCallKiB > 256, `${r.memPerCallKiB.toFixed(0)} KiB per call > 256`),
  ],
  full: (r) => [
    ...missed(r.suggestion.count === 0, 'no suggestions measured'),
    ...missed(r.suggestion.p99 >= 100, 'speech_end → suggestion p99 ≥ 100 ms'),
    ...missed(r.event.p99 >= 150, 'speech events p99 ≥ 150 ms'),
  ],
  asr: (r) => [
    ...missed(r.serverLoopDelay.p99 >= 50, 'loop p99 ≥ 50 ms'),
    ...missed(
      r.workerBusy.length === 0 || Math.min(...r.workerBusy) < 0.95,
      'ASR stand-in workers < 95 % busy',
    ),
  ],
};
