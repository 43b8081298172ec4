import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs, one line per event; stages add `case_id` through child loggers. The server
 * logs to stdout; the CLI to stderr (`'stderr'`), since its stdout carries the command's data.
 */
export function createLogger(level: string, to: 'stdout' | 'stderr' = 'stdout'): Logger {
  const base = { level, base: { service: 'hotline-assist' } };
  return to === 'stdout' ? pino(base) : pino(base, pino.destination({ dest: 2, sync: true }));
}
