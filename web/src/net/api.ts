/** REST calls to the Hotline Assist server with the signed-in user's token. */
import type {
  AgencyContact,
  AlertAction,
  AlertItem,
  CallSummary,
  FaqCandidate,
  NumberedCaseSummary,
  NumberedCaseView,
  Tier,
} from '../../../src/protocol/index.js';
import { errorMessage } from '../labels.js';
import type { Role } from './session.js';

/** A refused request: `message` is zh-TW for the user; `detail` is the server's own (English) words. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(errorMessage(code));
  }
}

export async function apiRequest<T>(
  path: string,
  options: { token?: string | null; method?: string; body?: unknown } = {},
): Promise<T> {
  const response = await send(path, options);
  const text = await response.text();
  return (text ? safeJson(text) : null) as T;
}

/** The response of a request that succeeded (2xx), else an ApiError. */
async function send(
  path: string,
  options: { token?: string | null; method?: string; body?: unknown },
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, 'network', '無法連線到伺服器');
  }
  if (!response.ok) {
    const text = await response.text();
    const error = (safeJson(text) as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? `http_${response.status}`,
      error?.message ?? response.statusText,
    );
  }
  return response;
}

/** A binary resource (archived audio) as an object URL the page can play. */
export async function apiBlobUrl(path: string, token: string): Promise<string> {
  const response = await send(path, { token });
  return URL.createObjectURL(await response.blob());
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export interface SignInResult {
  token: string;
  user: { id: string; name: string; role: Role };
}

export const signIn = (username: string, password: string) =>
  apiRequest<SignInResult>('/api/auth/login', { body: { username, password } });

export const devSignIn = (name: string, role: Role) =>
  apiRequest<SignInResult>('/api/auth/dev', { body: { name, role } });

/** First run: whether the administrator still has to be created. */
export const setupNeeded = () => apiRequest<{ needed: boolean }>('/api/setup');
export const createAdmin = (code: string, username: string, name: string, password: string) =>
  apiRequest<SignInResult>('/api/setup/admin', { body: { code, username, name, password } });

export const listCalls = (token: string) => apiRequest<{ calls: CallSummary[] }>('/api/calls', { token });

/** `POST /api/query`: the call assistant's engine over typed text (cards, reply script, hand-off). */
export interface KnowledgeAnswer {
  answer: string;
  faq_candidates: FaqCandidate[];
  tier: Tier;
  agency: { agency: string; confidence: number } | null;
  handoff: AgencyContact | null;
  cited_faq_ids: string[];
  source: 'template' | 'llm';
  case_status: Record<string, unknown> | null;
}

export const startConversation = (token: string) =>
  apiRequest<{ conversation_id: string }>('/api/conversation', { token, body: {} });
export const askKnowledge = (token: string, conversationId: string, text: string) =>
  apiRequest<KnowledgeAnswer>('/api/query', { token, body: { conversation_id: conversationId, text } });

export interface CaseQuery {
  from?: string;
  to?: string;
  agent?: string;
  agency?: string;
  q?: string;
}

export function searchCases(token: string, query: CaseQuery) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  return apiRequest<{ cases: NumberedCaseSummary[] }>(`/api/cases?${params.toString()}`, { token });
}
export const readCase = (token: string, id: string) =>
  apiRequest<NumberedCaseView>(`/api/case/${encodeURIComponent(id)}`, { token });
export const caseAudioUrl = (token: string, id: string, segment: string) =>
  apiBlobUrl(`/api/case/${encodeURIComponent(id)}/audio/${encodeURIComponent(segment)}`, token);
/** One FAQ entry of the default knowledge base (the archive shows which answers a call got). */
export const readFaqEntry = (token: string, id: string) =>
  apiRequest<{ id: string; question: string; agency: string }>(
    `/api/kb/default/entries/${encodeURIComponent(id)}`,
    { token },
  );
export const listAlerts = (token: string) => apiRequest<{ alerts: AlertItem[] }>('/api/alerts', { token });

/** Acknowledge an alert, take its call over, or note its outcome. */
export const actOnAlert = (token: string, caseId: string, seq: number, action: AlertAction, note?: string) =>
  apiRequest<{ alert: AlertItem | null }>(`/api/calls/${encodeURIComponent(caseId)}/alerts/${seq}`, {
    token,
    body: note ? { action, note } : { action },
  });

/** WebSocket URL on this server, with the token as a query parameter (browsers cannot set WS headers). */
export function wsUrl(path: string, params: Record<string, string | number>): string {
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
  return url.toString();
}
