#!/usr/bin/env node
// Runs the CLI from its JavaScript build (bin/compiled.js: rebuilt whenever src/ changes), or through
// tsx from the TypeScript sources where no build can be written (a read-only install).
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compiledCli } from './compiled.js';

/** @type {string | null} */
let entry;
try {
  entry = await compiledCli(fileURLToPath(new globalThis.URL('..', import.meta.url)));
} catch {
  entry = null;
}
if (entry) {
  await import(pathToFileURL(entry).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
