import { afterEach, describe, expect, it } from 'vitest';
import { createKbRepository, KbRepositoryError, openStore, type KbEntryRecord, type Store } from './index.js';
import { storeBackends } from './testing/backends.js';

const entry = (id: string, question: string, answer = `${question}的答案`): KbEntryRecord => ({
  id,
  question,
  answer,
  agency: '環境保護局',
  tags: [],
  tier: null,
});

describe.each(storeBackends())('knowledge-base repository on $name', (backend) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it('records only real changes as versions with a diff summary, and keeps them across reopen', async () => {
    const options = await backend.options();
    store = await openStore(options);
    const repo = await createKbRepository(store);
    const first = await repo.commit(
      'tp',
      [entry('a', '垃圾車幾點來'), entry('b', '大型家具怎麼丟')],
      { kind: 'import' },
      1000,
    );
    expect(first).toMatchObject({
      created: true,
      version: { version: 1, added: 2, changed: 0, removed: 0, entry_count: 2 },
    });

    const same = await repo.commit(
      'tp',
      [entry('b', '大型家具怎麼丟'), entry('a', '垃圾車幾點來')],
      { kind: 'import' },
      2000,
    );
    expect(same.created).toBe(false);
    expect(same.version.version).toBe(1);

    const second = await repo.commit(
      'tp',
      [entry('a', '垃圾車幾點來', '晚上七點'), entry('c', '資源回收日')],
      { kind: 'import', note: '2024 revision' },
      3000,
    );
    expect(second.version).toMatchObject({
      version: 2,
      added: 1,
      changed: 1,
      removed: 1,
      note: '2024 revision',
    });
    expect(second.version.diff).toEqual({ added: ['c'], changed: ['a'], removed: ['b'] });

    await store.close();
    store = await openStore(options);
    const again = await createKbRepository(store);
    expect(await again.get('tp')).toEqual({ name: 'tp', active_version: 2 });
    expect((await again.entries('tp')).map((e) => [e.id, e.answer])).toEqual([
      ['a', '晚上七點'],
      ['c', '資源回收日的答案'],
    ]);
    expect((await again.entries('tp', 1)).map((e) => e.id)).toEqual(['a', 'b']);
    expect((await again.versions('tp')).map((v) => v.version)).toEqual([2, 1]);
  });

  it('rolls back by recording a new version with the old content', async () => {
    store = await openStore(await backend.options());
    const repo = await createKbRepository(store);
    await repo.commit('tp', [entry('a', '垃圾車幾點來')], { kind: 'import' });
    await repo.commit('tp', [entry('a', '垃圾車幾點來', '改過的答案')], { kind: 'edit' });
    const back = await repo.rollback('tp', 1);
    expect(back).toMatchObject({ version: 3, kind: 'rollback', restored_from: 1, changed: 1 });
    expect((await repo.entries('tp'))[0]?.answer).toBe('垃圾車幾點來的答案');
    expect((await repo.get('tp'))?.active_version).toBe(3);
  });

  it('refuses unknown knowledge bases and versions with stable codes', async () => {
    store = await openStore(await backend.options());
    const repo = await createKbRepository(store);
    await expect(repo.versions('nope')).rejects.toMatchObject({ code: 'unknown_kb' });
    await repo.commit('tp', [entry('a', '垃圾車幾點來')], { kind: 'import' });
    const err = await repo.rollback('tp', 9).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KbRepositoryError);
    expect(err).toMatchObject({ code: 'unknown_version' });
    await expect(repo.entries('tp', 9)).rejects.toMatchObject({ code: 'unknown_version' });
    expect((await repo.get('tp'))?.active_version).toBe(1);
  });

  it('stores a 5,000-entry snapshot and a one-entry change without copying unchanged content', async () => {
    store = await openStore(await backend.options());
    const repo = await createKbRepository(store);
    const many = Array.from({ length: 5000 }, (_, i) => entry(`e${String(i).padStart(5, '0')}`, `問題${i}`));
    await repo.commit('big', many, { kind: 'import' });
    const edited = many.map((e, i) => (i === 42 ? { ...e, answer: '新答案' } : e));
    const result = await repo.commit('big', edited, { kind: 'edit' });
    expect(result.version).toMatchObject({ version: 2, added: 0, changed: 1, removed: 0, entry_count: 5000 });
    expect(result.version.diff.changed).toEqual(['e00042']);
    const count = await store.db
      .withTables<{ kb_contents: { hash: string } }>()
      .selectFrom('kb_contents')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(5001);
  });
});
