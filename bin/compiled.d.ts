/** Types of bin/compiled.js (plain JavaScript: it runs before any TypeScript can be loaded). */
export function sourceFiles(srcDir: string): string[];
export function buildKey(root: string): string;
export function compiledCli(root: string): Promise<string>;
