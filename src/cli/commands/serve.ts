import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description('start the server on the configured port (embedded defaults: SQLite under HOTLINE_DATA_DIR)')
    .option('-p, --port <port>', 'port to listen on (HOTLINE_PORT)')
    .action(async (opts: { port?: string }) => {
      const { startApp } = await import('../../http/app.js');
      const config = loadConfig({ overrides: opts.port ? { server: { port: Number(opts.port) } } : {} });
      const app = await startApp(config);
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        // `npm start` delivers a signal more than once (to the group, and relayed by npm and tsx):
        // the first one drains, later ones are ignored. A persistent listener, never `once`: with
        // none left, the tsx wrapper's own handler would end the process mid-drain.
        if (stopping) return;
        stopping = true;
        app.logger.info({ signal }, 'stopping: draining live calls');
        void app.close().then(
          () => process.exit(0),
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
