import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description('start the server on the configured port (embedded defaults: SQLite under HOTLINE_DATA_DIR)')
    .option('-p, --port <port>', 'port to listen on (HOTLINE_PORT)')
    .action(async (opts: { port?: string }) => {
      const { startApp } = await import('../../http/app.js');
      const config = loadConfig({
        bundledData: true,
        overrides: opts.port ? { server: { port: Number(opts.port) } } : {},
      });
      const app = await startApp(config);
      const stop = async () => {
        await app.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
