import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { createLogger, loadConfig, resolvePaths, type Config } from '../../config/index.js';

/** Time after the drain deadline for the archive flush, worker threads and the database to close. */
const SHUTDOWN_MARGIN_MS = 10_000;

/** Written once the first start has said what speech recognition needs, so later starts stay quiet. */
const ASR_NOTICE_MARK = 'asr-notice-shown';

/** What a person starting the server must know, on stderr (stdout carries the JSON log). */
function startNotices(config: Config, setupUrl: string | null, url: string): string[] {
  const notes: string[] = [];
  if (setupUrl) {
    notes.push(
      `First run: create the administrator by opening this link once (it works one time only):\n  ${setupUrl}`,
    );
  }
  const { dataDir } = resolvePaths(config);
  const mark = join(dataDir, ASR_NOTICE_MARK);
  if (config.asr.engine === 'none' && !existsSync(mark)) {
    notes.push(
      'No speech-recognition model is configured: calls get speech detection and archived audio, and the\n' +
        'desktop offers typed knowledge search (「查詢知識庫」), but no transcript. With internet access, one step:\n' +
        '  npx hotline-assist models fetch default     (then restart; npm start picks the models up)\n' +
        'Without internet: copy a sherpa-onnx model folder here and set HOTLINE_ASR_ENGINE and\n' +
        'HOTLINE_ASR_MODEL_DIR, or point HOTLINE_ASR_ENGINE=remote at a transcription server (README, "Models").',
    );
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(mark, `${new Date().toISOString()}\n`);
  }
  if (notes.length > 0) notes.push(`Hotline Assist is at ${url}`);
  return notes;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('start the server on the configured port (embedded defaults: SQLite under HOTLINE_DATA_DIR)')
    .option('-p, --port <port>', 'port to listen on (HOTLINE_PORT)')
    .option(
      '-w, --workers [n]',
      'server processes on this machine sharing the port and the bus (HOTLINE_BUS_URL); without n, one per core',
    )
    .action(async (opts: { port?: string; workers?: string | true }) => {
      const { startApp } = await import('../../http/app.js');
      const config = loadConfig({
        bundledData: true,
        overrides: opts.port ? { server: { port: Number(opts.port) } } : {},
      });
      const workers =
        opts.workers === undefined
          ? 1
          : opts.workers === true
            ? availableParallelism()
            : Number(opts.workers);
      if (!(Number.isInteger(workers) && workers >= 1))
        throw new Error(`--workers must be a whole number of processes, at least 1 (got ${opts.workers})`);
      const { superviseWorkers } = await import('../../cluster/workers.js');
      if (superviseWorkers(workers, config, createLogger(config.logLevel))) return;
      const app = await startApp(config);
      const notes = startNotices(config, app.setupUrl, app.url);
      if (notes.length > 0) process.stderr.write(`\n${notes.join('\n\n')}\n\n`);
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        // `npm start` delivers a signal more than once (to the group, and relayed by npm): the
        // first one drains, later ones are ignored. A persistent listener, never `once`: with none
        // left, a wrapper's handler (tsx) would end the process mid-drain.
        if (stopping) return;
        stopping = true;
        app.logger.info({ signal }, 'stopping: draining live calls');
        const began = Date.now();
        // Past the drain deadline and a margin for the archive flush, a stuck close must not keep
        // a supervisor (systemd, Kubernetes) waiting: exit, and the journals are recovered at the next start.
        setTimeout(() => {
          app.logger.error({ afterMs: Date.now() - began }, 'shutdown did not finish in time; exiting');
          process.exit(1);
        }, config.server.shutdownTimeoutMs + SHUTDOWN_MARGIN_MS).unref();
        void app.close().then(
          () => {
            app.logger.info({ tookMs: Date.now() - began }, 'stopped');
            process.exit(0);
          },
          (err: unknown) => {
            app.logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
