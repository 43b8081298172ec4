/** The signed-in user, kept per browser tab. */
export type Role = 'agent' | 'supervisor' | 'admin';

export interface UserSession {
  token: string;
  user: { id: string; name: string; role: Role };
  /** Signed in through the local dev sign-in (no password): shown as such everywhere. */
  dev: boolean;
}

const KEY = 'hotline-assist.session';

export function loadSession(): UserSession | null {
  const raw = window.sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as UserSession;
  } catch {
    return null;
  }
}

export function saveSession(session: UserSession | null): void {
  if (session) window.sessionStorage.setItem(KEY, JSON.stringify(session));
  else window.sessionStorage.removeItem(KEY);
}
