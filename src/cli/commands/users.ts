import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { roles, type Role } from '../../http/principal.js';
import { withArchive } from '../archive-runtime.js';

function readPassword(opts: { password?: string; passwordStdin?: boolean }): string {
  if (opts.passwordStdin) return (readFileSync(0, 'utf8').split('\n')[0] ?? '').trimEnd();
  if (opts.password) return opts.password;
  throw Object.assign(new Error('give --password-stdin (preferred) or --password'), {
    code: 'missing_password',
  });
}

export function register(program: Command): void {
  const users = program.command('users').description('desktop accounts (argon2-hashed passwords)');

  users
    .command('add <username>')
    .description('create an account')
    .requiredOption('-r, --role <role>', `one of ${roles.join(', ')}`)
    .option('-n, --name <name>', 'display name')
    .option('--password-stdin', 'read the password from standard input')
    .option('--password <password>', 'the password (visible in the process list; prefer --password-stdin)')
    .action(
      async (
        username: string,
        opts: { role: string; name?: string; password?: string; passwordStdin?: boolean },
      ) => {
        const password = readPassword(opts);
        await withArchive(async ({ auth, actor }) => {
          const user = await auth.createUser(
            { username, name: opts.name, role: opts.role as Role, password },
            actor,
          );
          console.log(`created ${user.username} (${user.role}) id=${user.id}`);
        });
      },
    );

  users
    .command('list')
    .description('list accounts')
    .action(async () => {
      await withArchive(async ({ auth }) => {
        for (const u of await auth.listUsers()) {
          console.log(
            [
              u.username.padEnd(20),
              u.role.padEnd(11),
              u.disabled ? 'disabled' : 'active  ',
              u.dev ? 'dev' : '   ',
              u.id,
              u.name,
            ].join(' '),
          );
        }
      });
    });

  users
    .command('disable <username>')
    .description('disable an account (its sessions stop working at once)')
    .option('--enable', 'enable it again')
    .action(async (username: string, opts: { enable?: boolean }) => {
      await withArchive(async ({ auth, actor }) => {
        const user = await auth.findUser(username);
        if (!user) throw Object.assign(new Error(`no user ${username}`), { code: 'unknown_user' });
        await auth.updateUser(user.id, { disabled: !opts.enable }, actor);
        console.log(`${username} ${opts.enable ? 'enabled' : 'disabled'}`);
      });
    });
}
