import type { Command } from 'commander';
import { roles, type Role } from '../../http/principal.js';
import { withArchive } from '../archive-runtime.js';

export function register(program: Command): void {
  const tokens = program
    .command('tokens')
    .description('API tokens for machines (stored hashed, role-scoped, revocable)');

  tokens
    .command('create')
    .description('create a token; it is printed once and cannot be shown again')
    .requiredOption('-n, --name <name>', 'what it is for, e.g. pbx-gateway')
    .requiredOption('-r, --role <role>', `one of ${roles.join(', ')}`)
    .option('--expires-days <days>', 'expire after this many days')
    .action(async (opts: { name: string; role: string; expiresDays?: string }) => {
      await withArchive(async ({ auth, actor }) => {
        const expiresAt = opts.expiresDays ? Date.now() + Number(opts.expiresDays) * 86_400_000 : null;
        const { token, info } = await auth.createToken(
          { name: opts.name, role: opts.role as Role, expiresAt },
          actor,
        );
        console.error(
          `token ${info.id} (${info.role})${expiresAt ? ` expires ${new Date(expiresAt).toISOString()}` : ''}:`,
        );
        console.log(token);
      });
    });

  tokens
    .command('list')
    .description('list API tokens (never their secrets)')
    .action(async () => {
      await withArchive(async ({ auth }) => {
        for (const t of await auth.listTokens()) {
          const state = t.revokedAt
            ? 'revoked'
            : t.expiresAt && t.expiresAt < Date.now()
              ? 'expired'
              : 'active';
          console.log(
            [
              t.id,
              t.role.padEnd(11),
              state.padEnd(8),
              t.expiresAt ? new Date(t.expiresAt).toISOString() : 'no expiry'.padEnd(24),
              t.name,
            ].join(' '),
          );
        }
      });
    });

  tokens
    .command('revoke <id>')
    .description('revoke a token at once')
    .action(async (id: string) => {
      await withArchive(async ({ auth, actor }) => {
        await auth.revokeToken(id, actor);
        console.log(`revoked ${id}`);
      });
    });
}
