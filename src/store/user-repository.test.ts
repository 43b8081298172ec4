import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './index.js';
import { storeBackends } from './testing/backends.js';
import { createUserRepository } from './user-repository.js';

describe.each(storeBackends())('user repository on $name', (backend) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it('stores users and tokens, enforces unique usernames, revokes once', async () => {
    store = await openStore(await backend.options());
    const users = await createUserRepository(store);
    const user = {
      id: 'u1',
      username: 'amy',
      name: '陳小美',
      role: 'agent',
      passwordHash: 'h',
      disabled: false,
      dev: false,
      createdAt: 5,
    };
    await users.insertUser(user);
    await expect(users.insertUser({ ...user, id: 'u2' })).rejects.toThrow();
    expect(await users.findUserByUsername('amy')).toEqual(user);
    expect(await users.updateUser('u1', { disabled: true, role: 'supervisor' })).toBe(true);
    expect(await users.findUserById('u1')).toMatchObject({ disabled: true, role: 'supervisor' });
    expect(await users.updateUser('nobody', { disabled: true })).toBe(false);
    expect(await users.countAdmins()).toBe(0);

    const token = {
      id: 't1',
      name: 'pbx',
      role: 'ingress',
      userId: null,
      kind: 'api' as const,
      secretHash: 'x',
      createdAt: 1,
      expiresAt: null,
      revokedAt: null,
    };
    await users.insertToken(token);
    await users.insertToken({ ...token, id: 't2', kind: 'session', userId: 'u1' });
    expect((await users.listTokens({ kind: 'api' })).map((t) => t.id)).toEqual(['t1']);
    expect(await users.revokeToken('t1', 9)).toBe(true);
    expect(await users.revokeToken('t1', 10)).toBe(false);
    expect(await users.findToken('t1')).toMatchObject({ revokedAt: 9 });
  });
});
