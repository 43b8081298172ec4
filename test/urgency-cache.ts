/**
 * One trained urgency classifier for every server a test spawns. A fresh data dir would train it
 * again at each start (seconds on a loaded machine, as long as some crash tests' whole budget);
 * a deployment's restarts reuse theirs the same way, through `<dataDir>/cache/urgency`.
 */
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildUrgencyDetector } from '../src/suggest/urgency.js';

const sharedCache = join(tmpdir(), 'hotline-test-urgency-cache');

/** Vitest global setup: trains the shipped classifier once per change of its files (else loads it). */
export default function setup(): void {
  buildUrgencyDetector({ cacheDir: sharedCache });
}

/** Puts the trained weights where a server on `dataDir` looks for them first. */
export function seedUrgencyCache(dataDir: string): void {
  if (!existsSync(sharedCache)) return;
  const target = join(dataDir, 'cache', 'urgency');
  mkdirSync(target, { recursive: true });
  cpSync(sharedCache, target, { recursive: true });
}
