import { useEffect, useState } from 'react';
import { loadSession, saveSession, type UserSession } from './net/session.js';
import { roleLabel } from './labels.js';
import { SignIn } from './pages/SignIn.js';
import { Setup } from './pages/Setup.js';
import { AgentDesk } from './pages/AgentDesk.js';
import { SupervisorBoard } from './pages/SupervisorBoard.js';
import { Archive } from './pages/Archive.js';

type Page = 'desk' | 'board' | 'archive';

function pageFromHash(): Page {
  const hash = window.location.hash;
  return hash.startsWith('#/board') ? 'board' : hash.startsWith('#/archive') ? 'archive' : 'desk';
}

/** `#/setup/<code>`: the first-run link the server printed. */
function setupCode(): string | null {
  return /^#\/setup\/([\w-]+)$/.exec(window.location.hash)?.[1] ?? null;
}

export function App() {
  const [session, setSession] = useState<UserSession | null>(loadSession);
  const [page, setPage] = useState<Page>(pageFromHash);
  const [setup, setSetup] = useState<string | null>(setupCode);

  useEffect(() => {
    const onHash = () => {
      setPage(pageFromHash());
      setSetup(setupCode());
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const signedIn = (next: UserSession) => {
    saveSession(next);
    setSession(next);
    if (next.user.role !== 'agent' && !window.location.hash) window.location.hash = '#/board';
  };
  const signOut = () => {
    saveSession(null);
    setSession(null);
  };

  if (setup && !session) return <Setup code={setup} onSignedIn={signedIn} />;
  if (!session) return <SignIn onSignedIn={signedIn} />;
  const mayWatch = session.user.role === 'supervisor' || session.user.role === 'admin';
  // The archive is the supervisors' and, for their own calls, the agents' (the server enforces it).
  const mayRead = session.user.role === 'supervisor' || session.user.role === 'agent';
  const shown: Page =
    page === 'board' && mayWatch ? 'board' : page === 'archive' && mayRead ? 'archive' : 'desk';

  return (
    <div className="app">
      <header className="topbar">
        <h1 className="brand">1999 話務輔助</h1>
        <nav aria-label="主要功能">
          <a href="#/desk" aria-current={shown === 'desk' ? 'page' : undefined}>
            專員桌面
          </a>
          {mayWatch && (
            <a href="#/board" aria-current={shown === 'board' ? 'page' : undefined}>
              督導看板
            </a>
          )}
          {mayRead && (
            <a href="#/archive" aria-current={shown === 'archive' ? 'page' : undefined}>
              通話紀錄
            </a>
          )}
        </nav>
        <div className="whoami">
          {session.dev && (
            <span className="badge dev" title="未經帳號密碼驗證，僅供本機開發使用">
              開發用登入
            </span>
          )}
          <span>
            {session.user.name}（{roleLabel[session.user.role]}）
          </span>
          <button type="button" className="quiet" onClick={signOut}>
            登出
          </button>
        </div>
      </header>
      <main className="page">
        {shown === 'board' ? (
          <SupervisorBoard session={session} />
        ) : shown === 'archive' ? (
          <Archive session={session} />
        ) : (
          <AgentDesk session={session} />
        )}
      </main>
    </div>
  );
}
