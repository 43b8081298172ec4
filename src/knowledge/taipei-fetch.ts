import { KnowledgeError } from './errors.js';
import { parseEntries } from './import-format.js';
import type { FaqEntry } from './types.js';

export interface TaipeiFetchOptions {
  /** GitHub API base; a mirror or a local server in tests. */
  apiBase?: string;
  repo?: string;
  folder?: string;
  timeoutMs?: number;
  /** Progress lines for people (the CLI prints them). */
  onFile?: (name: string, entries: number) => void;
}

export const TAIPEI_FAQ_SOURCE = {
  apiBase: 'https://api.github.com',
  repo: 'tpe-doit/Taipei-FAQ',
  folder: 'python',
};

interface ListingItem {
  name?: unknown;
  download_url?: unknown;
}

async function get(url: string, timeoutMs: number): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { 'user-agent': 'hotline-assist' },
    });
  } catch (err) {
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new KnowledgeError(
      'fetch_failed',
      `cannot reach ${new URL(url).host} (${reason}); check the network or use kb import with a local file`,
    );
  }
  if (!response.ok) throw new KnowledgeError('fetch_failed', `${url} answered HTTP ${response.status}`);
  return response;
}

/**
 * Downloads the public Taipei FAQ source (github.com/tpe-doit/Taipei-FAQ, `python/<agency>QA.csv`:
 * Time, Url, Question, Answer, 點閱數, 資料更新, …) and parses every file; the agency comes from the
 * file name. Entry ids are derived from agency, question and URL, so re-fetching only records changes.
 */
export async function fetchTaipeiFaq(options: TaipeiFetchOptions = {}): Promise<FaqEntry[]> {
  const apiBase = (options.apiBase ?? TAIPEI_FAQ_SOURCE.apiBase).replace(/\/$/, '');
  const repo = options.repo ?? TAIPEI_FAQ_SOURCE.repo;
  const folder = options.folder ?? TAIPEI_FAQ_SOURCE.folder;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const listing = (await (
    await get(`${apiBase}/repos/${repo}/contents/${folder}`, timeoutMs)
  ).json()) as unknown;
  if (!Array.isArray(listing))
    throw new KnowledgeError('fetch_failed', `unexpected listing of ${repo}/${folder}`);
  const files = (listing as ListingItem[]).filter(
    (f): f is { name: string; download_url: string } =>
      typeof f.name === 'string' && /QA\.csv$/i.test(f.name) && typeof f.download_url === 'string',
  );
  if (!files.length) throw new KnowledgeError('fetch_failed', `no *QA.csv files in ${repo}/${folder}`);
  const entries: FaqEntry[] = [];
  for (const file of files.sort((a, b) => a.name.localeCompare(b.name))) {
    const body = await (await get(file.download_url, timeoutMs)).text();
    const agency = file.name.replace(/QA\.csv$/i, '');
    const parsed = parseEntries(body, { format: 'csv', agency, duplicates: 'last' });
    options.onFile?.(file.name, parsed.length);
    entries.push(...parsed);
  }
  return entries;
}
