// The CLI's JavaScript build: src/ compiled file by file (same layout, `.js`) into dist/build-<hash>/,
// where the hash covers every source file's path and content, the compiler and the tsconfig. Node
// then loads plain modules instead of sending each one through tsx's loader thread: a start spends
// a fraction of the CPU on module loading. Made once per source content (about a second), so any
// edit to src/ gives a new build at the next start and a stale build is never run.
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';

/** Bump when the way the build is made changes (options below). */
const BUILD_FORMAT = 1;
/** Marks a finished build: a folder without it is half-written and never run. */
const COMPLETE = '.complete';
/** Builds of other source versions older than this are removed (a running process may still use a recent one). */
const PRUNE_AFTER_MS = 24 * 3600_000;

/**
 * Files of `srcDir` the CLI may load (tests left out), relative and sorted.
 * @param {string} srcDir
 * @returns {string[]}
 */
export function sourceFiles(srcDir) {
  return readdirSync(srcDir, { recursive: true })
    .map(String)
    .filter((f) => !f.endsWith('.test.ts') && statSync(join(srcDir, f)).isFile())
    .sort();
}

/**
 * The build's key: a hash of every source file (path and content), the tsconfig and the compiler version.
 * @param {string} root the package root (holds src/ and tsconfig.json)
 * @returns {string}
 */
export function buildKey(root) {
  const srcDir = join(root, 'src');
  const require = createRequire(join(root, 'package.json'));
  const hash = createHash('sha256');
  hash.update(`${BUILD_FORMAT}\0${require('esbuild/package.json').version}\0`);
  hash.update(readFileSync(join(root, 'tsconfig.json')));
  for (const file of sourceFiles(srcDir)) hash.update(`\0${file}\0`).update(readFileSync(join(srcDir, file)));
  return hash.digest('base64url').slice(0, 20);
}

/**
 * The compiled CLI entry for the sources as they are now, built first if needed.
 * @param {string} root the package root
 * @returns {Promise<string>} path of the compiled `cli/main.js`
 */
export async function compiledCli(root) {
  const key = buildKey(root);
  const distDir = join(root, 'dist');
  const outDir = join(distDir, `build-${key}`);
  const entry = join(outDir, 'cli', 'main.js');
  if (existsSync(join(outDir, COMPLETE))) return entry;

  const srcDir = join(root, 'src');
  const files = sourceFiles(srcDir);
  // Written aside and renamed: concurrent starts each build, the first rename wins, none sees half a build.
  const tmp = join(distDir, `.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    const { build } = await import(createRequire(join(root, 'package.json')).resolve('esbuild'));
    await build({
      entryPoints: files.filter((f) => f.endsWith('.ts')).map((f) => join(srcDir, f)),
      outbase: srcDir,
      outdir: tmp,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'linked',
      tsconfig: join(root, 'tsconfig.json'),
      logLevel: 'silent',
    });
    // Files modules read next to themselves (fixtures, scripts).
    for (const file of files.filter((f) => !f.endsWith('.ts'))) {
      mkdirSync(dirname(join(tmp, file)), { recursive: true });
      copyFileSync(join(srcDir, file), join(tmp, file));
    }
    writeFileSync(join(tmp, COMPLETE), `${key}\n`);
    try {
      renameSync(tmp, outDir);
    } catch {
      // Another start renamed its build first (fine), or a damaged folder without the mark is in the way.
      if (!existsSync(join(outDir, COMPLETE))) {
        rmSync(outDir, { recursive: true, force: true });
        renameSync(tmp, outDir);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  prune(distDir, outDir);
  return entry;
}

/**
 * Removes other builds not touched for a day.
 * @param {string} distDir
 * @param {string} keep
 */
function prune(distDir, keep) {
  const now = Date.now();
  for (const name of readdirSync(distDir)) {
    const dir = join(distDir, name);
    if (dir === keep || !name.startsWith('build-')) continue;
    try {
      if (now - statSync(dir).mtimeMs > PRUNE_AFTER_MS) rmSync(dir, { recursive: true, force: true });
    } catch {
      // removed meanwhile by another start
    }
  }
}
