import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildKey, compiledCli } from '../../bin/compiled.js';
import { repoRoot } from '../shared.js';

/** A package like this one: src/cli/main.ts importing a sibling module, its tsconfig and node_modules. */
function packageRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'compiled-cli-'));
  mkdirSync(join(root, 'src/cli'), { recursive: true });
  writeFileSync(join(root, 'package.json'), '{"type":"module"}');
  writeFileSync(join(root, 'tsconfig.json'), '{"compilerOptions":{"target":"ES2022"}}');
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'src/cli/greeting.ts'), "export const greeting: string = 'v1';\n");
  writeFileSync(
    join(root, 'src/cli/main.ts'),
    "import { greeting } from './greeting.js';\nconsole.log(greeting);\n",
  );
  writeFileSync(join(root, 'src/cli/main.test.ts'), 'a test is not part of the build\n');
  return root;
}

const run = (entry: string) => execFileSync(process.execPath, [entry], { encoding: 'utf8' }).trim();

describe('the CLI build in dist/', () => {
  it('runs the sources as they are now: any edit gives a new build, an unchanged tree reuses it', async () => {
    const root = packageRoot();
    const first = await compiledCli(root);
    expect(run(first)).toBe('v1');
    expect(existsSync(join(first, '../main.test.js'))).toBe(false);
    expect(await compiledCli(root)).toBe(first);

    writeFileSync(join(root, 'src/cli/greeting.ts'), "export const greeting: string = 'v2';\n");
    const second = await compiledCli(root);
    expect(second).not.toBe(first);
    expect(run(second)).toBe('v2');

    // A test file or the tsconfig: only the second one changes the build.
    const key = buildKey(root);
    writeFileSync(join(root, 'src/cli/main.test.ts'), 'edited test\n');
    expect(buildKey(root)).toBe(key);
    writeFileSync(join(root, 'tsconfig.json'), '{"compilerOptions":{"target":"ES2020"}}');
    expect(buildKey(root)).not.toBe(key);
  });

  it('never runs a half-written build', async () => {
    const root = packageRoot();
    const entry = await compiledCli(root);
    const buildDir = join(entry, '../..');
    // A build folder without its completion mark (a start killed mid-write) is made again.
    execFileSync('rm', [join(buildDir, '.complete'), join(buildDir, 'cli/greeting.js')]);
    expect(await compiledCli(root)).toBe(entry);
    expect(run(entry)).toBe('v1');
    expect(readdirSync(join(root, 'dist')).filter((n) => n.startsWith('.tmp'))).toEqual([]);
  });
});
