import type { Store } from './database.js';
import { migrateDomain } from './migrations/index.js';

/**
 * Readable numbers for hotline calls, `1999-20261202-000123`: the line, the day the call came in
 * (Taipei time) and a per-day sequence. Internal case ids stay what they are (they name files and
 * come from telephony); the number is what people read out, type and search for.
 */
export type CaseNumberTables = {
  hotline_case_numbers: {
    case_id: string;
    case_no: string;
    day: string;
    seq: number;
    created_at: number;
  };
};

export interface CaseNumberRepository {
  /** The case's number, given at its first call; the same number every later time (resumed calls). */
  assign(caseId: string, at: number): Promise<string>;
  /** Numbers of the given cases (those that have one). */
  numbersOf(caseIds: readonly string[]): Promise<Map<string, string>>;
  /** The case a number belongs to, or null. */
  caseIdOf(caseNo: string): Promise<string | null>;
}

/** What the line is called in the numbers. */
const LINE = '1999';
/** Taipei has no daylight saving time: its day starts at 16:00 UTC. */
const TAIPEI_OFFSET_MS = 8 * 3600_000;
export const CASE_NO = /^\d{4}-\d{8}-\d{6}$/;

/** `20261202`: the calendar day in Taipei of a moment. */
export function taipeiDay(at: number): string {
  return new Date(at + TAIPEI_OFFSET_MS).toISOString().slice(0, 10).replaceAll('-', '');
}

/** Attempts at taking the next number of a day when another node took the same one first. */
const RACE_RETRIES = 20;

export async function createCaseNumberRepository(store: Store): Promise<CaseNumberRepository> {
  await migrateDomain(store, 'case_numbers');
  const db = store.db.withTables<CaseNumberTables>();
  const table = 'hotline_case_numbers' as const;
  const existing = async (caseId: string) =>
    (await db.selectFrom(table).select('case_no').where('case_id', '=', caseId).executeTakeFirst())
      ?.case_no ?? null;

  return {
    async assign(caseId, at) {
      const day = taipeiDay(at);
      for (let attempt = 0; attempt < RACE_RETRIES; attempt++) {
        const known = await existing(caseId);
        if (known) return known;
        const last = await db
          .selectFrom(table)
          .select((eb) => eb.fn.max('seq').as('seq'))
          .where('day', '=', day)
          .executeTakeFirst();
        const seq = Number(last?.seq ?? 0) + 1;
        const caseNo = `${LINE}-${day}-${String(seq).padStart(6, '0')}`;
        // The unique (day, seq) and case_id decide races between nodes: the loser reads again.
        const inserted = await db
          .insertInto(table)
          .values({ case_id: caseId, case_no: caseNo, day, seq, created_at: at })
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return caseNo;
      }
      throw new Error(`could not number case ${caseId}: too many concurrent calls`);
    },
    async numbersOf(caseIds) {
      if (caseIds.length === 0) return new Map();
      const rows = await db
        .selectFrom(table)
        .select(['case_id', 'case_no'])
        .where('case_id', 'in', [...caseIds])
        .execute();
      return new Map(rows.map((r) => [r.case_id, r.case_no]));
    },
    async caseIdOf(caseNo) {
      const row = await db
        .selectFrom(table)
        .select('case_id')
        .where('case_no', '=', caseNo.trim())
        .executeTakeFirst();
      return row?.case_id ?? null;
    },
  };
}
