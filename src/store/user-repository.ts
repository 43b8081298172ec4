import type { Store } from './database.js';
import { migrateDomain } from './migrations/index.js';

export type AuthTables = {
  users: {
    id: string;
    username: string;
    name: string;
    role: string;
    password_hash: string | null;
    disabled: number;
    dev: number;
    created_at: number;
  };
  api_tokens: {
    id: string;
    name: string;
    role: string;
    user_id: string | null;
    kind: string;
    secret_hash: string;
    created_at: number;
    expires_at: number | null;
    revoked_at: number | null;
  };
};

export interface UserRecord {
  id: string;
  username: string;
  name: string;
  /** One of the roles in http/principal.ts; checked by the auth service. */
  role: string;
  passwordHash: string | null;
  disabled: boolean;
  /** Created by the local dev sign-in, not by an admin. */
  dev: boolean;
  createdAt: number;
}

/** `session`: issued by sign-in for a user; `api`: created by an admin for a machine. */
export type TokenKind = 'session' | 'api';

export interface TokenRecord {
  id: string;
  name: string;
  role: string;
  userId: string | null;
  kind: TokenKind;
  secretHash: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface UserRepository {
  insertUser(user: UserRecord): Promise<void>;
  findUserById(id: string): Promise<UserRecord | null>;
  findUserByUsername(username: string): Promise<UserRecord | null>;
  listUsers(): Promise<UserRecord[]>;
  updateUser(
    id: string,
    patch: Partial<Pick<UserRecord, 'name' | 'role' | 'passwordHash' | 'disabled'>>,
  ): Promise<boolean>;
  countAdmins(): Promise<number>;
  insertToken(token: TokenRecord): Promise<void>;
  findToken(id: string): Promise<TokenRecord | null>;
  listTokens(options?: { kind?: TokenKind }): Promise<TokenRecord[]>;
  /** Returns false when the token does not exist or was already revoked. */
  revokeToken(id: string, at: number): Promise<boolean>;
}

const toUser = (r: AuthTables['users']): UserRecord => ({
  id: r.id,
  username: r.username,
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  disabled: Number(r.disabled) === 1,
  dev: Number(r.dev) === 1,
  createdAt: Number(r.created_at),
});

const toToken = (r: AuthTables['api_tokens']): TokenRecord => ({
  id: r.id,
  name: r.name,
  role: r.role,
  userId: r.user_id,
  kind: r.kind as TokenKind,
  secretHash: r.secret_hash,
  createdAt: Number(r.created_at),
  expiresAt: r.expires_at === null ? null : Number(r.expires_at),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

export async function createUserRepository(store: Store): Promise<UserRepository> {
  await migrateDomain(store, 'auth');
  const db = store.db.withTables<AuthTables>();
  return {
    async insertUser(u) {
      await db
        .insertInto('users')
        .values({
          id: u.id,
          username: u.username,
          name: u.name,
          role: u.role,
          password_hash: u.passwordHash,
          disabled: u.disabled ? 1 : 0,
          dev: u.dev ? 1 : 0,
          created_at: u.createdAt,
        })
        .execute();
    },
    async findUserById(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async findUserByUsername(username) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('username', '=', username)
        .executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async listUsers() {
      return (await db.selectFrom('users').selectAll().orderBy('username').execute()).map(toUser);
    },
    async updateUser(id, patch) {
      const set: Partial<AuthTables['users']> = {};
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.role !== undefined) set.role = patch.role;
      if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
      if (patch.disabled !== undefined) set.disabled = patch.disabled ? 1 : 0;
      if (Object.keys(set).length === 0) set.id = id;
      const result = await db.updateTable('users').set(set).where('id', '=', id).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async countAdmins() {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('role', '=', 'admin')
        .where('disabled', '=', 0)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async insertToken(t) {
      await db
        .insertInto('api_tokens')
        .values({
          id: t.id,
          name: t.name,
          role: t.role,
          user_id: t.userId,
          kind: t.kind,
          secret_hash: t.secretHash,
          created_at: t.createdAt,
          expires_at: t.expiresAt,
          revoked_at: t.revokedAt,
        })
        .execute();
    },
    async findToken(id) {
      const row = await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toToken(row) : null;
    },
    async listTokens(options = {}) {
      let q = db.selectFrom('api_tokens').selectAll();
      if (options.kind) q = q.where('kind', '=', options.kind);
      return (await q.orderBy('created_at').execute()).map(toToken);
    },
    async revokeToken(id, at) {
      const result = await db
        .updateTable('api_tokens')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}
