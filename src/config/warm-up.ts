/**
 * Work that only makes later requests faster — building a converter's tables, loading a dictionary,
 * filling a cache — and that everything also does on first use. A server runs it once it is
 * listening (`startWarmUp`), one task per turn of the event loop, so a start does not wait for it; a
 * CLI command never starts it and pays only for what it uses.
 */
const tasks: Array<() => void> = [];
let started = false;

function runNext(): void {
  const task = tasks.shift();
  if (!task) return;
  task();
  setImmediate(runNext).unref();
}

/** Queues `task` for after the start (or runs it soon, when the server is already up). */
export function warmUpLater(task: () => void): void {
  tasks.push(task);
  if (started && tasks.length === 1) setImmediate(runNext).unref();
}

/** The server is listening: run what was queued. */
export function startWarmUp(): void {
  if (started) return;
  started = true;
  setImmediate(runNext).unref();
}
