import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './index.js';
import { createCaseNumberRepository, taipeiDay } from './case-number-repository.js';
import { storeBackends } from './testing/backends.js';

/** 2026-12-02 09:00 in Taipei. */
const MORNING = Date.parse('2026-12-02T01:00:00Z');

describe.each(storeBackends())('readable case numbers on $name', (backend) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it('numbers calls per Taipei day, keeps a case its number, and finds the case by its number', async () => {
    const options = await backend.options();
    store = await openStore(options);
    const repo = await createCaseNumberRepository(store);
    // Ten calls at once on one day: ten different consecutive numbers.
    const ids = Array.from({ length: 10 }, (_, i) => `call-${i}`);
    const numbers = await Promise.all(ids.map((id) => repo.assign(id, MORNING)));
    expect([...numbers].sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `1999-20261202-${String(i + 1).padStart(6, '0')}`),
    );
    // A resumed call keeps its number; a reopened store continues the day's sequence.
    expect(await repo.assign('call-3', MORNING + 3600_000)).toBe(numbers[3]);
    await store.close();
    store = await openStore(options);
    const again = await createCaseNumberRepository(store);
    expect(await again.assign('call-late', MORNING)).toBe('1999-20261202-000011');
    // After midnight in Taipei (16:00 UTC) the count starts over.
    expect(await again.assign('call-next-day', Date.parse('2026-12-02T16:00:00Z'))).toBe(
      '1999-20261203-000001',
    );
    expect(await again.caseIdOf(numbers[5] as string)).toBe('call-5');
    expect(await again.caseIdOf('1999-20990101-000001')).toBeNull();
    expect(await again.numbersOf(['call-0', 'unknown'])).toEqual(new Map([['call-0', numbers[0]]]));
  });
});

describe('Taipei day', () => {
  it('turns at midnight Taipei time', () => {
    expect(taipeiDay(Date.parse('2026-12-02T15:59:59Z'))).toBe('20261202');
    expect(taipeiDay(Date.parse('2026-12-02T16:00:00Z'))).toBe('20261203');
  });
});
