import { z } from 'zod';
import type { Config } from '../config/index.js';
import type { DemoCaseRecords } from './ports.js';
import { CaseSystemError, type CaseRecord, type CaseSystem } from './types.js';

const caseRecord = z.object({
  case_no: z.string().min(1),
  status: z.string().min(1),
  agency: z.string().default(''),
  summary: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
  updated_at: z.union([z.string(), z.number()]).transform((v) => new Date(v).toISOString()),
});

export interface HttpCaseSystemOptions {
  /** Base URL; a case is fetched from `GET <url>/cases/<case_no>`. */
  url: string;
  token?: string;
  timeoutMs?: number;
}

/**
 * The city's case system over HTTP: `GET <url>/cases/<case_no>` with a bearer token, answering
 * `{case_no,status,agency,summary?,updated_at}`; 404 means no such case.
 */
export function createHttpCaseSystem(options: HttpCaseSystemOptions): CaseSystem {
  const base = options.url.replace(/\/+$/, '');
  return {
    async lookup(caseNo) {
      let response: Response;
      try {
        response = await fetch(`${base}/cases/${encodeURIComponent(caseNo)}`, {
          headers: {
            accept: 'application/json',
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          },
          signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
        });
      } catch (err) {
        throw new CaseSystemError(
          'case_system_unavailable',
          `case system unreachable: ${(err as Error).message}`,
        );
      }
      if (response.status === 404) return null;
      if (!response.ok)
        throw new CaseSystemError('case_system_error', `case system answered HTTP ${response.status}`);
      const parsed = caseRecord.safeParse(await response.json().catch(() => null));
      if (!parsed.success)
        throw new CaseSystemError('case_system_error', 'case system answered an unexpected body');
      return parsed.data;
    },
  };
}

/** The embedded demo case system, backed by the store (SQLite or PostgreSQL). */
export function createDemoCaseSystem(repository: DemoCaseRecords): CaseSystem {
  return {
    async lookup(caseNo): Promise<CaseRecord | null> {
      const row = await repository.get(caseNo);
      return row
        ? {
            case_no: row.case_no,
            status: row.status,
            agency: row.agency,
            summary: row.summary,
            updated_at: new Date(row.updated_at).toISOString(),
          }
        : null;
    },
  };
}

/**
 * The configured case system: the city's over HTTP when `suggest.caseSystemUrl` is set, else the
 * demo one, whose records are opened (`demoCases`, from the store) only then.
 */
export async function createCaseSystem(options: {
  config: Config;
  demoCases: () => Promise<DemoCaseRecords>;
}): Promise<CaseSystem> {
  const { caseSystemUrl, caseSystemToken } = options.config.suggest;
  if (caseSystemUrl) return createHttpCaseSystem({ url: caseSystemUrl, token: caseSystemToken });
  return createDemoCaseSystem(await options.demoCases());
}
