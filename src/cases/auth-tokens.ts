import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config/index.js';
import type { Principal, Role } from '../protocol/index.js';
import type { TokenRecord, UserRecord, UserRepository } from '../store/index.js';

export interface PublicToken {
  id: string;
  name: string;
  role: Role;
  userId: string | null;
  kind: TokenRecord['kind'];
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface SignIn {
  token: string;
  expiresAt: number;
  user: { id: string; name: string; role: Role };
  /** True for the local dev sign-in: the desktop marks the session as such. */
  dev: boolean;
}

/** Why a token was refused; each is a 401 with this code. */
export type AuthFailure = 'unauthorized' | 'token_expired' | 'token_revoked' | 'account_disabled';
export type Authentication = { ok: true; principal: Principal } | { ok: false; code: AuthFailure };

const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const TOKEN_PREFIX = 'hat';

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export const publicToken = (t: TokenRecord): PublicToken => ({
  id: t.id,
  name: t.name,
  role: t.role as Role,
  userId: t.userId,
  kind: t.kind,
  createdAt: t.createdAt,
  expiresAt: t.expiresAt,
  revokedAt: t.revokedAt,
});

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(sha256(a));
  const y = Buffer.from(sha256(b));
  return timingSafeEqual(x, y);
}

/**
 * Bearer tokens (`hat_<id>.<secret>`): issued with only the secret's hash stored, session tokens
 * for signed-in users, and the check of a presented token (the bootstrap admin token included).
 */
export function createTokens(users: UserRepository, config: Config, clock: () => number) {
  const issue = async (input: {
    name: string;
    role: Role;
    userId: string | null;
    kind: TokenRecord['kind'];
    expiresAt: number | null;
  }): Promise<{ token: string; info: PublicToken }> => {
    const id = randomBytes(9).toString('base64url');
    const secret = randomBytes(32).toString('base64url');
    const row: TokenRecord = {
      ...input,
      id,
      secretHash: sha256(secret),
      createdAt: clock(),
      revokedAt: null,
    };
    await users.insertToken(row);
    return { token: `${TOKEN_PREFIX}_${id}.${secret}`, info: publicToken(row) };
  };

  const signIn = async (user: UserRecord, dev: boolean): Promise<SignIn> => {
    const expiresAt = clock() + SESSION_TTL_MS;
    const { token } = await issue({
      name: `session:${user.username}`,
      role: user.role as Role,
      userId: user.id,
      kind: 'session',
      expiresAt,
    });
    return { token, expiresAt, dev, user: { id: user.id, name: user.name, role: user.role as Role } };
  };

  async function authenticate(token: string): Promise<Authentication> {
    if (config.auth.adminToken && sameSecret(token, config.auth.adminToken)) {
      return {
        ok: true,
        principal: { id: 'bootstrap-admin', role: 'admin', kind: 'token', name: 'HOTLINE_ADMIN_TOKEN' },
      };
    }
    const match = /^hat_([A-Za-z0-9_-]{12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return { ok: false, code: 'unauthorized' };
    const row = await users.findToken(match[1] as string);
    if (!row || !timingSafeEqual(Buffer.from(row.secretHash), Buffer.from(sha256(match[2] as string)))) {
      return { ok: false, code: 'unauthorized' };
    }
    if (row.revokedAt !== null) return { ok: false, code: 'token_revoked' };
    if (row.expiresAt !== null && row.expiresAt <= clock()) return { ok: false, code: 'token_expired' };
    if (row.userId) {
      const user = await users.findUserById(row.userId);
      if (!user || user.disabled) return { ok: false, code: 'account_disabled' };
      // A user's session follows the user's current role.
      return {
        ok: true,
        principal: {
          id: user.id,
          role: user.role as Role,
          kind: user.dev ? 'dev' : 'user',
          name: user.name,
        },
      };
    }
    return {
      ok: true,
      principal: { id: `token:${row.id}`, role: row.role as Role, kind: 'token', name: row.name },
    };
  }

  return { issue, signIn, authenticate };
}
