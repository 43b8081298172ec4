import { userInfo } from 'node:os';
import type { CommandApp } from '../app/index.js';
import type { Actor } from '../cases/index.js';
import { withOpened } from './runtime.js';
import { openTextCli } from './text-runtime.js';

/** The archive and accounts as the CLI reaches them, with the audit identity of whoever runs the command. */
export interface ArchiveCliRuntime extends CommandApp {
  actor: Actor;
}

export async function openArchiveCli(): Promise<ArchiveCliRuntime> {
  return { ...(await openTextCli()), actor: cliActor() };
}

/** Audit identity of whoever runs a command on this machine. */
export function cliActor(): Actor {
  return {
    principal: { id: `cli:${userInfo().username}`, role: 'admin', kind: 'token', name: 'hotline-assist CLI' },
    source: 'cli',
  };
}

/** Runs a command against the archive and always closes the store. */
export function withArchive<T>(work: (rt: ArchiveCliRuntime) => Promise<T>): Promise<T> {
  return withOpened(openArchiveCli, work);
}

/** `2026-01-31`, an ISO time, or a number of days back (`30d`) → epoch ms. */
export function parseSince(value: string, now = Date.now()): number {
  const days = /^(\d+)d$/.exec(value);
  if (days) return now - Number(days[1]) * 86_400_000;
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw Object.assign(new Error(`--since: not a date or Nd: ${value}`), { code: 'invalid_since' });
  return ms;
}
