import { readFileSync } from 'node:fs';
import { configSchema, type Config } from '../../config/index.js';

/** A config for tests: the given lexicon folder, state under `dataDir`. */
export function textConfig(dataDir: string, text: Partial<Config['text']> = {}): Config {
  return configSchema.parse({ dataDir, logLevel: 'silent', text });
}

/** One field of every line of a JSONL file. */
export function jsonlField(path: string, field: string): string[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => String((JSON.parse(l) as Record<string, unknown>)[field] ?? ''));
}
