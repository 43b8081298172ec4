/** REST calls to the Hotline Assist server with the signed-in user's token. */
import type { AlertAction, EmergencyProtocol, UrgencyCategory } from '../../../src/protocol/index.js';
import type { Role } from './session.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function apiRequest<T>(
  path: string,
  options: { token?: string | null; method?: string; body?: unknown } = {},
): Promise<T> {
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
  const text = await response.text();
  const data: unknown = text ? safeJson(text) : null;
  if (!response.ok) {
    const error = (data as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? `http_${response.status}`,
      error?.message ?? response.statusText,
    );
  }
  return data as T;
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

export interface CallSummary {
  case_id: string;
  started_at: string | number;
  agent_id: string | null;
  agent_name?: string | null;
  status: 'live' | 'ended';
  last_utterance: string | null;
  agency: string | null;
  alert_level: 'warning' | 'critical' | null;
}

export interface AlertStep {
  by: string | null;
  by_name: string | null;
  at: number;
}

export interface AlertItem {
  case_id: string;
  seq: number;
  utterance_id: string;
  level: 'warning' | 'critical';
  category: UrgencyCategory;
  protocol: EmergencyProtocol;
  script: string;
  reason: string;
  text: string;
  ts: number | string;
  acknowledged_by_agent: AlertStep | null;
  acknowledged_by_supervisor: AlertStep | null;
  taken_over_by: AlertStep | null;
  outcome: (AlertStep & { note: string }) | null;
}

export const listCalls = (token: string) => apiRequest<{ calls: CallSummary[] }>('/api/calls', { token });
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
