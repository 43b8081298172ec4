import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, devSignIn, setupNeeded, signIn } from '../net/api.js';
import type { UserSession } from '../net/session.js';
import { roleLabel } from '../labels.js';
import { ErrorLine } from '../components/ErrorLine.js';

/** The dev sign-in has no password, so it never opens an administrator session. */
const devRoles = ['agent', 'supervisor'] as const;
type DevRole = (typeof devRoles)[number];

export function SignIn({ onSignedIn }: { onSignedIn: (session: UserSession) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [devName, setDevName] = useState('');
  const [devRole, setDevRole] = useState<DevRole>('agent');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [firstRun, setFirstRun] = useState(false);

  useEffect(() => {
    setupNeeded()
      .then((s) => setFirstRun(s.needed))
      .catch(() => setFirstRun(false));
  }, []);

  const run = async (action: () => Promise<UserSession>) => {
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await action());
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => ({ ...(await signIn(username, password)), dev: false }));
  };
  const submitDev = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => ({ ...(await devSignIn(devName, devRole)), dev: true }));
  };

  return (
    <main className="signin">
      <h1>1999 話務輔助</h1>
      {firstRun && (
        <p className="notice" role="status">
          第一次使用：尚未建立管理員。請開啟伺服器啟動時在終端機顯示的設定連結（只能使用一次）建立管理員帳號。
        </p>
      )}
      <form onSubmit={submit} className="panel" aria-labelledby="signin-title">
        <h2 id="signin-title">登入</h2>
        <label>
          帳號
          <input
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            autoComplete="username"
            required
          />
        </label>
        <label>
          密碼
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
            required
          />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          登入
        </button>
      </form>
      <form onSubmit={submitDev} className="panel dev-signin" aria-labelledby="dev-title">
        <h2 id="dev-title">
          <span className="badge dev">開發用</span> 本機開發登入
        </h2>
        <p className="hint">不需密碼，僅在伺服器啟用 HOTLINE_DEV_SIGN_IN=1 時可用，請勿用於正式環境。</p>
        <label>
          顯示名稱
          <input value={devName} onChange={(e) => setDevName(e.target.value)} required />
        </label>
        <label>
          角色
          <select value={devRole} onChange={(e) => setDevRole(e.target.value as DevRole)}>
            {devRoles.map((role) => (
              <option key={role} value={role}>
                {roleLabel[role]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={busy}>
          以開發身分登入
        </button>
      </form>
      <ErrorLine error={error} />
    </main>
  );
}

function describe(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) return '帳號或密碼錯誤';
    if (err.status === 404 || err.status === 403) return '此伺服器未開放這種登入方式';
    return `登入失敗：${err.message}`;
  }
  return '登入失敗';
}
