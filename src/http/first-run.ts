import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config/index.js';
import type { Actor, AuthService, SignIn } from '../cases/index.js';
import { HttpError } from './errors.js';

/**
 * The first administrator of a fresh installation. Without `HOTLINE_ADMIN_TOKEN` and without an
 * enabled (non-dev) administrator account, the server makes a one-time code and prints a setup link
 * with it; whoever opens the link (the person who started the server) creates the administrator.
 * The code is used once: after that, or once any administrator exists, setup is closed.
 */
export interface FirstRunSetup {
  /** The code of the setup link while setup is open, else null. */
  code(): string | null;
  /** Creates the administrator and signs them in; `invalid_setup_code` or `setup_done` otherwise. */
  createAdmin(
    code: string,
    input: { username: string; name?: string; password: string },
    actor: Actor,
  ): Promise<SignIn>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export async function createFirstRunSetup(auth: AuthService, config: Config): Promise<FirstRunSetup> {
  const hasAdmin = async () =>
    (await auth.listUsers()).some((u) => u.role === 'admin' && !u.disabled && !u.dev);
  let code: string | null =
    config.auth.adminToken || (await hasAdmin()) ? null : randomBytes(18).toString('base64url');
  let busy = false;
  return {
    code: () => code,
    async createAdmin(given, input, actor) {
      if (code === null || busy || (await hasAdmin()))
        throw new HttpError(409, 'setup_done', 'the administrator already exists; sign in instead');
      if (!timingSafeEqual(digest(given), digest(code)))
        throw new HttpError(403, 'invalid_setup_code', 'this setup link is not the one the server printed');
      busy = true;
      try {
        await auth.createUser({ ...input, role: 'admin' }, actor);
        code = null;
      } finally {
        busy = false;
      }
      return auth.login(input.username, input.password, actor);
    },
  };
}
