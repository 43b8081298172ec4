import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs, one line per event; stages add `case_id` through child loggers. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'hotline-assist' } });
}
