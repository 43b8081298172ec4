import { randomUUID } from 'node:crypto';
import { verify as argon2Verify, hash as argon2Hash } from '@node-rs/argon2';
import type { Config } from '../config/index.js';
import type { Principal, Role } from '../protocol/index.js';
import {
  auditEntry,
  createUserRepository,
  type AuditRepository,
  type Store,
  type TokenRecord,
} from '../store/index.js';
import { createAccounts, requireRole, type AuthAuditRecord, type PublicUser } from './auth-accounts.js';
import {
  createTokens,
  publicToken,
  sha256,
  type Authentication,
  type PublicToken,
  type SignIn,
} from './auth-tokens.js';
import { CaseError } from './errors.js';

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

/** Verified against when the user does not exist, so timing does not reveal which usernames do. */
let dummyHash: Promise<string> | undefined;
const dummy = () => (dummyHash ??= argon2Hash('not-a-password-but-the-same-cost'));

/**
 * Sign-in (password, dev), sign-out and API tokens, over the accounts (auth-accounts.ts) and the
 * token issuer and checker (auth-tokens.ts); every change goes to the audit trail.
 */
export async function createAuthService(options: AuthServiceOptions): Promise<AuthService> {
  const { store, config, audit } = options;
  const clock = options.clock ?? Date.now;
  const users = await createUserRepository(store);
  const record: AuthAuditRecord = (actor, action, targetType, targetId, detail) =>
    audit.append(auditEntry(actor, action, { type: targetType, id: targetId }, detail));
  const { issue, signIn, authenticate } = createTokens(users, config, clock);

  return {
    authenticate,
    ...createAccounts(users, record, clock),

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
