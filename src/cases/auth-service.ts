import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import type { Config } from '../config/index.js';
import {
  auditEntry,
  createUserRepository,
  type AuditRepository,
  type Store,
  type TokenRecord,
  type UserRecord,
  type UserRepository,
} from '../store/index.js';
import { weakSecretReason } from '../config/index.js';
// Roles and the principal shape are declared next to the route-level role declarations.
import { roles, type Principal, type Role } from '../protocol/index.js';
import { CaseError } from './errors.js';

export interface PublicUser {
  id: string;
  username: string;
  name: string;
  role: Role;
  disabled: boolean;
  dev: boolean;
  createdAt: number;
}

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

/** Who did it and from where, for the audit log. */
export interface Actor {
  principal: Principal | null;
  source: string | null;
}

export interface AuthService {
  authenticate(token: string): Promise<Authentication>;
  login(username: string, password: string, actor: Actor): Promise<SignIn>;
  /** Only when `auth.devSignIn` is on; otherwise `dev_sign_in_disabled`. */
  devSignIn(name: string, role: Role, actor: Actor): Promise<SignIn>;
  /** Revokes the session token the principal signed in with. */
  logout(principal: Principal, actor: Actor): Promise<void>;
  createUser(
    input: { username: string; name?: string; role: Role; password: string },
    actor: Actor,
  ): Promise<PublicUser>;
  listUsers(): Promise<PublicUser[]>;
  updateUser(
    id: string,
    patch: { disabled?: boolean; role?: Role; password?: string; name?: string },
    actor: Actor,
  ): Promise<PublicUser>;
  findUser(idOrUsername: string): Promise<PublicUser | null>;
  /** The secret is returned once; only its hash is stored. */
  createToken(
    input: { name: string; role: Role; expiresAt?: number | null },
    actor: Actor,
  ): Promise<{ token: string; info: PublicToken }>;
  listTokens(): Promise<PublicToken[]>;
  revokeToken(id: string, actor: Actor): Promise<PublicToken>;
}

export interface AuthServiceOptions {
  store: Store;
  config: Config;
  /** Injected for tests (token expiry). */
  clock?: () => number;
  /** The archive's audit trail: accounts and tokens write into the same keyed chain. */
  audit: AuditRepository;
}

const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const TOKEN_PREFIX = 'hat';
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** Verified against when the user does not exist, so timing does not reveal which usernames do. */
let dummyHash: Promise<string> | undefined;
const dummy = () => (dummyHash ??= argon2Hash('not-a-password-but-the-same-cost'));

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const isRole = (r: string): r is Role => (roles as readonly string[]).includes(r);

const publicUser = (u: UserRecord): PublicUser => ({
  id: u.id,
  username: u.username,
  name: u.name,
  role: u.role as Role,
  disabled: u.disabled,
  dev: u.dev,
  createdAt: u.createdAt,
});
const publicToken = (t: TokenRecord): PublicToken => ({
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

export async function createAuthService(options: AuthServiceOptions): Promise<AuthService> {
  const { store, config } = options;
  const clock = options.clock ?? Date.now;
  const users: UserRepository = await createUserRepository(store);
  const { audit } = options;
  const record = (
    actor: Actor,
    action: string,
    targetType: string,
    targetId: string | null,
    detail?: Record<string, unknown>,
  ) => audit.append(auditEntry(actor, action, { type: targetType, id: targetId }, detail));

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

  const requireRole = (role: string): Role => {
    if (!isRole(role))
      throw new CaseError('invalid', 'invalid_role', `unknown role ${role}; one of ${roles.join(', ')}`);
    return role;
  };
  /** At least 12 characters and not trivially guessable (config/secrets.ts says what that means). */
  const requirePassword = (password: string, username?: string) => {
    const reason = weakSecretReason(password, { minLength: 12, what: 'the password', name: username });
    if (reason) throw new CaseError('invalid', 'weak_password', reason);
  };

  return {
    async authenticate(token) {
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
    },

    async login(username, password, actor) {
      const user = await users.findUserByUsername(username);
      const valid = await argon2Verify(user?.passwordHash ?? (await dummy()), password).catch(() => false);
      if (!user || !user.passwordHash || !valid || user.disabled) {
        await record(actor, 'auth.login_failed', 'user', user?.id ?? null, { username });
        throw new CaseError('unauthorized', 'invalid_credentials', 'wrong username or password');
      }
      await record(
        { ...actor, principal: { id: user.id, role: user.role as Role, kind: 'user' } },
        'auth.login',
        'user',
        user.id,
      );
      return signIn(user, false);
    },

    async devSignIn(name, role, actor) {
      if (!config.auth.devSignIn)
        throw new CaseError('forbidden', 'dev_sign_in_disabled', 'dev sign-in is off (HOTLINE_DEV_SIGN_IN)');
      const username = `dev-${sha256(`${name}\u0000${role}`).slice(0, 12)}`;
      let user = await users.findUserByUsername(username);
      if (!user) {
        user = {
          id: randomUUID(),
          username,
          name,
          role,
          passwordHash: null,
          disabled: false,
          dev: true,
          createdAt: clock(),
        };
        await users.insertUser(user);
      }
      await record(
        { ...actor, principal: { id: user.id, role, kind: 'dev' } },
        'auth.dev_sign_in',
        'user',
        user.id,
        { name, role },
      );
      return signIn(user, true);
    },

    async logout(principal, actor) {
      const tokens = await users.listTokens({ kind: 'session' });
      for (const t of tokens)
        if (t.userId === principal.id && t.revokedAt === null) await users.revokeToken(t.id, clock());
      await record(actor, 'auth.logout', 'user', principal.id);
    },

    async createUser(input, actor) {
      if (!USERNAME.test(input.username))
        throw new CaseError('invalid', 'invalid_username', 'usernames are 1-64 letters, digits, . _ @ -');
      const role = requireRole(input.role);
      requirePassword(input.password, input.username);
      if (await users.findUserByUsername(input.username)) {
        throw new CaseError('conflict', 'user_exists', `user ${input.username} already exists`);
      }
      const user: UserRecord = {
        id: randomUUID(),
        username: input.username,
        name: input.name ?? input.username,
        role,
        passwordHash: await argon2Hash(input.password),
        disabled: false,
        dev: false,
        createdAt: clock(),
      };
      await users.insertUser(user);
      await record(actor, 'user.create', 'user', user.id, { username: user.username, role });
      return publicUser(user);
    },

    listUsers: async () => (await users.listUsers()).map(publicUser),

    async findUser(idOrUsername) {
      const user = (await users.findUserByUsername(idOrUsername)) ?? (await users.findUserById(idOrUsername));
      return user ? publicUser(user) : null;
    },

    async updateUser(id, patch, actor) {
      const user = await users.findUserById(id);
      if (!user) throw new CaseError('not_found', 'unknown_user', `no user ${id}`);
      if (patch.role !== undefined) requireRole(patch.role);
      if (patch.password !== undefined) requirePassword(patch.password, user.username);
      await users.updateUser(id, {
        name: patch.name,
        role: patch.role,
        disabled: patch.disabled,
        passwordHash: patch.password === undefined ? undefined : await argon2Hash(patch.password),
      });
      const changed = Object.keys(patch).filter((k) => k !== 'password');
      await record(actor, patch.disabled ? 'user.disable' : 'user.update', 'user', id, {
        changed: patch.password === undefined ? changed : [...changed, 'password'],
      });
      return publicUser((await users.findUserById(id)) as UserRecord);
    },

    async createToken(input, actor) {
      const role = requireRole(input.role);
      if (!input.name.trim()) throw new CaseError('invalid', 'invalid_token_name', 'a token needs a name');
      if (input.expiresAt != null && input.expiresAt <= clock()) {
        throw new CaseError('invalid', 'invalid_expiry', 'expiry must be in the future');
      }
      const issued = await issue({
        name: input.name,
        role,
        userId: null,
        kind: 'api',
        expiresAt: input.expiresAt ?? null,
      });
      await record(actor, 'token.create', 'token', issued.info.id, {
        name: input.name,
        role,
        expiresAt: issued.info.expiresAt,
      });
      return issued;
    },

    listTokens: async () => (await users.listTokens({ kind: 'api' })).map(publicToken),

    async revokeToken(id, actor) {
      const row = await users.findToken(id);
      if (!row) throw new CaseError('not_found', 'unknown_token', `no token ${id}`);
      await users.revokeToken(id, clock());
      await record(actor, 'token.revoke', 'token', id, { name: row.name });
      return publicToken((await users.findToken(id)) as TokenRecord);
    },
  };
}
