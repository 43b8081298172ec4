import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './index.js';
import { createConversationRepository } from './conversation-repository.js';
import { storeBackends } from './testing/backends.js';

describe.each(storeBackends())('conversation repository on $name', (backend) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it('keeps a conversation and its turns in order across reopen', async () => {
    const options = await backend.options();
    store = await openStore(options);
    const repo = await createConversationRepository(store);
    await repo.create('c1', null, 1000);
    await repo.append(
      'c1',
      [
        { role: 'user', text: '垃圾車幾點來' },
        { role: 'assistant', text: '晚上7點。', tier: 'hot', faq_ids: ['f1'] },
      ],
      2000,
    );
    await repo.append('c1', [{ role: 'user', text: '那週日呢' }], 3000);
    await store.close();
    store = await openStore(options);
    const again = await createConversationRepository(store);
    expect(await again.get('c1')).toEqual({
      id: 'c1',
      kb: null,
      created_at: 1000,
      updated_at: 3000,
      owner: null,
    });
    expect(await again.turns('c1')).toEqual([
      { seq: 1, role: 'user', text: '垃圾車幾點來', tier: null, faq_ids: [], created_at: 2000 },
      { seq: 2, role: 'assistant', text: '晚上7點。', tier: 'hot', faq_ids: ['f1'], created_at: 2000 },
      { seq: 3, role: 'user', text: '那週日呢', tier: null, faq_ids: [], created_at: 3000 },
    ]);
    expect(await again.get('nope')).toBeNull();
  });

  it('stores nothing of a turn pair when one turn cannot be stored', async () => {
    store = await openStore(await backend.options());
    const repo = await createConversationRepository(store);
    await repo.create('c2', 'default');
    await expect(
      repo.append('c2', [
        { role: 'user', text: '問題' },
        { role: 'assistant', text: null as unknown as string },
      ]),
    ).rejects.toThrow();
    expect(await repo.turns('c2')).toEqual([]);
    await expect(repo.append('missing', [{ role: 'user', text: 'x' }])).rejects.toThrow();
  });
});
