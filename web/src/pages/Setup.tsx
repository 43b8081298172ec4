import { useState, type FormEvent } from 'react';
import { ApiError, createAdmin } from '../net/api.js';
import type { UserSession } from '../net/session.js';
import { ErrorLine } from '../components/ErrorLine.js';

/**
 * First run: the link the server printed (`#/setup/<code>`) creates the administrator. The code is
 * good for one administrator; afterwards this page only says to sign in.
 */
export function Setup({ code, onSignedIn }: { code: string; onSignedIn: (session: UserSession) => void }) {
  const [username, setUsername] = useState('admin');
  const [name, setName] = useState('系統管理員');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password !== repeat) return setError('兩次輸入的密碼不同');
    setBusy(true);
    setError(null);
    try {
      const result = await createAdmin(code, username, name, password);
      window.location.hash = '#/desk';
      onSignedIn({ ...result, dev: false });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : '建立失敗，請再試一次');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <h1>1999 話務輔助</h1>
      <form onSubmit={(e) => void submit(e)} className="panel" aria-labelledby="setup-title">
        <h2 id="setup-title">建立管理員（第一次使用）</h2>
        <p className="hint">這個連結只能使用一次。管理員可建立專員與督導帳號（hotline-assist users add）。</p>
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
          顯示名稱
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          密碼（至少 12 個字元）
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="new-password"
            minLength={12}
            required
          />
        </label>
        <label>
          再輸入一次密碼
          <input
            type="password"
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
            autoComplete="new-password"
            required
          />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          建立管理員並登入
        </button>
      </form>
      <ErrorLine error={error} />
    </main>
  );
}
