import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './index.js';
import { createCaseSystemRepository, DemoCaseError } from './case-system-repository.js';
import { storeBackends } from './testing/backends.js';

describe.each(storeBackends())('demo case system repository on $name', (backend) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it('adds a case, finds it however the number is written, and keeps it across reopen', async () => {
    const options = await backend.options();
    store = await openStore(options);
    const repo = await createCaseSystemRepository(store);
    await repo.upsert(
      { case_no: 'a113-0012345', status: '處理中', agency: '工務局', summary: '路燈不亮' },
      1000,
    );
    await store.close();
    store = await openStore(options);
    const again = await createCaseSystemRepository(store);
    expect(await again.get('A1130012345')).toEqual({
      case_no: 'A1130012345',
      status: '處理中',
      agency: '工務局',
      summary: '路燈不亮',
      created_at: 1000,
      updated_at: 1000,
    });
    expect(await again.get('A 113 0012345')).not.toBeNull();
    expect(await again.get('B999999')).toBeNull();
  });

  it('updates the status of an existing case and lists newest first', async () => {
    store = await openStore(await backend.options());
    const repo = await createCaseSystemRepository(store);
    await repo.upsert({ case_no: '1130000001', status: '已受理', agency: '環境保護局' }, 1000);
    await repo.upsert({ case_no: '1130000002', status: '已受理', agency: '交通局' }, 2000);
    const updated = await repo.upsert(
      { case_no: '1130000001', status: '已結案', agency: '環境保護局' },
      3000,
    );
    expect(updated).toMatchObject({ status: '已結案', created_at: 1000, updated_at: 3000 });
    expect((await repo.list()).map((c) => c.case_no)).toEqual(['1130000001', '1130000002']);
  });

  it('refuses a malformed case number and stores nothing', async () => {
    store = await openStore(await backend.options());
    const repo = await createCaseSystemRepository(store);
    await expect(repo.upsert({ case_no: '12', status: '處理中', agency: '工務局' })).rejects.toBeInstanceOf(
      DemoCaseError,
    );
    await expect(repo.upsert({ case_no: '1130000009', status: ' ', agency: '工務局' })).rejects.toMatchObject(
      { code: 'invalid_case' },
    );
    expect(await repo.list()).toEqual([]);
  });
});
