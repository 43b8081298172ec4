import type { Store } from './database.js';
import { migrateDomain } from './migrations/index.js';

/** The embedded demo of a city case system (the real one is reached over HTTP). */
export type CaseSystemTables = {
  demo_case_system_cases: {
    case_no: string;
    status: string;
    agency: string;
    summary: string | null;
    created_at: number;
    updated_at: number;
  };
};

/** A demo case as stored and as returned (timestamps in ms since epoch). */
export type DemoCase = CaseSystemTables['demo_case_system_cases'];

export interface DemoCaseInput {
  case_no: string;
  status: string;
  agency: string;
  summary?: string | null;
}

export class DemoCaseError extends Error {
  constructor(
    readonly code: 'invalid_case',
    message: string,
  ) {
    super(message);
  }
}

export interface CaseSystemRepository {
  /** Adds a case, or updates status/agency/summary of an existing one (`updated_at` moves). */
  upsert(input: DemoCaseInput, now?: number): Promise<DemoCase>;
  get(caseNo: string): Promise<DemoCase | null>;
  list(limit?: number): Promise<DemoCase[]>;
}

const CASE_NO = /^[A-Z0-9]{5,20}$/;

/** Case numbers are compared as the caller would read them: no spaces or dashes, upper case. */
export function normalizeCaseNo(raw: string): string {
  return raw.replace(/[\s-]/g, '').toUpperCase();
}

export async function createCaseSystemRepository(store: Store): Promise<CaseSystemRepository> {
  await migrateDomain(store, 'case_system');
  const db = store.db.withTables<CaseSystemTables>();
  const table = 'demo_case_system_cases' as const;
  const toCase = (row: CaseSystemTables['demo_case_system_cases']): DemoCase => ({
    ...row,
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  });
  async function get(caseNo: string): Promise<DemoCase | null> {
    const row = await db
      .selectFrom(table)
      .selectAll()
      .where('case_no', '=', normalizeCaseNo(caseNo))
      .executeTakeFirst();
    return row ? toCase(row) : null;
  }
  return {
    async upsert(input, now = Date.now()) {
      const caseNo = normalizeCaseNo(input.case_no);
      if (!CASE_NO.test(caseNo)) {
        throw new DemoCaseError(
          'invalid_case',
          `case number must be 5–20 letters or digits: ${input.case_no}`,
        );
      }
      const status = input.status.trim();
      const agency = input.agency.trim();
      if (!status || !agency) throw new DemoCaseError('invalid_case', 'status and agency are required');
      const summary = input.summary?.trim() || null;
      await db
        .insertInto(table)
        .values({ case_no: caseNo, status, agency, summary, created_at: now, updated_at: now })
        .onConflict((oc) => oc.column('case_no').doUpdateSet({ status, agency, summary, updated_at: now }))
        .execute();
      return (await get(caseNo)) as DemoCase;
    },
    get,
    async list(limit = 100) {
      const rows = await db
        .selectFrom(table)
        .selectAll()
        .orderBy('updated_at', 'desc')
        .orderBy('case_no')
        .limit(limit)
        .execute();
      return rows.map(toCase);
    },
  };
}
