/** `bench:stream`'s report: a table per scenario beside its echo baseline, and a verdict per target. */
import type { BurstReport, Percentiles } from './ipc.js';
import { busyShares, ms, pair, TARGETS, type Scenario, type StepResult } from './stream-steps.js';

export interface BurstResult {
  report: BurstReport;
  loop: Percentiles;
  pass: boolean;
  notes: string[];
}
export type ScenarioResults = Partial<Record<Scenario, StepResult[]>>;

/** The step a scenario is judged by: its last passing one, else its last. */
export const best = (rows: StepResult[] | undefined) =>
  [...(rows ?? [])].reverse().find((r) => r.pass) ?? rows?.at(-1);

/** Scenarios running the archive: their speech_end waits for the utterance's durable commit. */
const archived = (scenario: Scenario): boolean => scenario === 'full' || scenario === 'asr';

/** A scenario's steps as a markdown table, with the echo server's step at its best step's calls. */
export function table(scenario: Scenario, rows: StepResult[], echo: StepResult[]): string {
  const head = [
    'server',
    'calls',
    'held',
    'CPU cores',
    'of it main thread',
    'main thread waiting for a core',
    'calls/core',
    'KiB/call',
    'frame→event p50/p99 ms',
    ...(archived(scenario) ? ['of it speech_end p50/p99 ms'] : []),
    'speech_end→suggestion p50/p99 ms',
    'loop p99 / max ms',
    'GC pauses max ms (main thread share)',
    ...(scenario === 'asr' ? ['ASR workers busy'] : []),
    'generator cores',
    'other processes cores',
    'target',
  ];
  const shown = [...rows];
  const b = best(rows);
  const base = b ? echo.find((e) => e.calls === b.calls) : undefined;
  if (base) shown.push(base);
  const lines = shown.map((r) => [
    r.scenario === 'echo' ? 'echo (baseline)' : r.scenario,
    String(r.calls),
    String(r.held),
    r.cpuCores.toFixed(2),
    r.mainThreadCores === null ? '–' : r.mainThreadCores.toFixed(2),
    r.mainThreadWaiting === null ? '–' : `${(r.mainThreadWaiting * 100).toFixed(1)} %`,
    r.callsPerCore.toFixed(0),
    r.memPerCallKiB.toFixed(0),
    r.scenario === 'gateway' ? `(frame ${pair(r.frame)})` : pair(r.event),
    ...(archived(scenario) ? [r.scenario === 'echo' ? '–' : pair(r.speechEnd)] : []),
    pair(r.suggestion),
    `${ms(r.serverLoopDelay.p99)} / ${ms(r.serverLoopDelay.max)}`,
    `${ms(r.gcPauses.maxMs)} (${(r.gcPauses.share * 100).toFixed(1)} %)`,
    ...(scenario === 'asr' ? [busyShares(r, ' / ') || '–'] : []),
    r.generatorCpuCores.toFixed(2),
    r.otherCores === null ? '–' : r.otherCores.toFixed(2),
    r.scenario === 'echo' ? '' : r.pass ? 'ok' : `MISS: ${r.notes.join('; ')}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [
    `\n${scenario} — target: ${TARGETS[scenario]}`,
    fmt(head),
    fmt(widths.map((w) => '-'.repeat(w))),
    ...lines.map(fmt),
  ].join('\n');
}

export function burstTable(burst: BurstResult): string {
  const { report, loop } = burst;
  return [
    `\nburst — target: ${TARGETS.burst}`,
    '| calls | started | started p50 / max ms | loop p99 / max ms | target |',
    '| ----- | ------- | -------------------- | ----------------- | ------ |',
    `| ${report.calls} | ${report.calls - report.failed} | ${ms(report.startedMs.p50)} / ${ms(report.startedMs.max)} | ` +
      `${ms(loop.p99)} / ${ms(loop.max)} | ${burst.pass ? 'ok' : `MISS: ${burst.notes.join('; ')}`} |`,
  ].join('\n');
}

export interface Verdict {
  met: boolean;
  detail: string;
}

/** The passing step with the most calls per core, judged against the calls-per-core target. */
function perCoreVerdict(rows: StepResult[], target: number, latency: (r: StepResult) => string): Verdict {
  const top = rows
    .filter((r) => r.pass)
    .reduce<StepResult | null>((a, r) => (!a || r.callsPerCore > a.callsPerCore ? r : a), null);
  return {
    met: top !== null && top.callsPerCore >= target,
    detail: top
      ? `${top.calls} calls on ${top.cpuCores.toFixed(2)} cores = ${top.callsPerCore.toFixed(0)} calls per core, ${latency(top)}`
      : 'no step met its targets',
  };
}

/** Whether each scenario that ran met its target, and the numbers that say so. */
export function verdicts(results: ScenarioResults, burst: BurstResult | null): Record<string, Verdict> {
  const out: Record<string, Verdict> = {};
  if (results.vad)
    out.vad = perCoreVerdict(
      results.vad,
      600,
      (r) => `speech p99 ${ms(r.event.p99)} ms, ${r.memPerCallKiB.toFixed(0)} KiB per call`,
    );
  if (results.full)
    out.full = perCoreVerdict(
      results.full,
      300,
      (r) => `speech_end → suggestion p99 ${ms(r.suggestion.p99)} ms`,
    );
  const asr = results.asr?.[0];
  if (asr)
    out.asr = {
      met: asr.pass,
      detail: `${asr.calls} calls, ASR workers busy ${busyShares(asr, ' / ')}, loop p99 ${ms(asr.serverLoopDelay.p99)} ms`,
    };
  if (burst)
    out.burst = {
      met: burst.pass,
      detail: `${burst.report.calls} calls at once: last started after ${ms(burst.report.startedMs.max)} ms, longest loop stall ${ms(burst.loop.max)} ms`,
    };
  if (results.gateway) {
    const b = best(results.gateway);
    out.gateway = {
      met: b?.pass ?? false,
      detail: b
        ? `${b.calls} calls on ${b.cpuCores.toFixed(2)} cores (${b.callsPerCore.toFixed(0)} calls per core)`
        : 'not run',
    };
  }
  return out;
}
