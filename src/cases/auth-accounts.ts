import { randomUUID } from 'node:crypto';
import { hash as argon2Hash } from '@node-rs/argon2';
import { weakSecretReason } from '../config/index.js';
import { roles, type Role } from '../protocol/index.js';
import type { UserRecord, UserRepository } from '../store/index.js';
import type { Actor, AuthService } from './auth-service.js';
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

/** Appends an entry about an account or token to the audit trail. */
export type AuthAuditRecord = (
  actor: Actor,
  action: string,
  targetType: string,
  targetId: string | null,
  detail?: Record<string, unknown>,
) => Promise<unknown>;

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const isRole = (r: string): r is Role => (roles as readonly string[]).includes(r);

export const publicUser = (u: UserRecord): PublicUser => ({
  id: u.id,
  username: u.username,
  name: u.name,
  role: u.role as Role,
  disabled: u.disabled,
  dev: u.dev,
  createdAt: u.createdAt,
});

export const requireRole = (role: string): Role => {
  if (!isRole(role))
    throw new CaseError('invalid', 'invalid_role', `unknown role ${role}; one of ${roles.join(', ')}`);
  return role;
};

/** At least 12 characters and not trivially guessable (config/secrets.ts says what that means). */
const requirePassword = (password: string, username?: string) => {
  const reason = weakSecretReason(password, { minLength: 12, what: 'the password', name: username });
  if (reason) throw new CaseError('invalid', 'weak_password', reason);
};

/** User accounts: created and changed by admins, with validated names, roles and passwords; audited. */
export function createAccounts(
  users: UserRepository,
  record: AuthAuditRecord,
  clock: () => number,
): Pick<AuthService, 'createUser' | 'listUsers' | 'findUser' | 'updateUser'> {
  return {
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
  };
}
