import type { Command } from 'commander';

/** What each file in cli/commands exports. */
export interface CliCommandModule {
  register(program: Command): void;
}
