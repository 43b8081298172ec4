import { useEffect, useState } from 'react';
import { CallView } from '../components/CallView.js';
import { useCallList } from '../components/useCallList.js';
import { alertLevelLabel, formatClock, formatDuration } from '../labels.js';
import type { UserSession } from '../net/session.js';
import { ErrorLine } from '../components/ErrorLine.js';

export function SupervisorBoard({ session }: { session: UserSession }) {
  const [watching, setWatching] = useState<string | null>(null);
  const { calls, alerts, error } = useCallList(session.token, watching === null, true);
  const now = useTick();

  if (watching) {
    return <CallView caseId={watching} session={session} readOnly onLeave={() => setWatching(null)} />;
  }

  const ordered = [...calls].sort((a, b) => (a.status === b.status ? 0 : a.status === 'live' ? -1 : 1));
  return (
    <div className="board">
      <section className="panel calls-panel" aria-labelledby="board-title">
        <h2 id="board-title">
          通話看板 <span className="count">進行中 {calls.filter((c) => c.status === 'live').length} 通</span>
        </h2>
        <ErrorLine error={error} />
        <table className="calls">
          <thead>
            <tr>
              <th scope="col">警示</th>
              <th scope="col">案件</th>
              <th scope="col">專員</th>
              <th scope="col">通話時間</th>
              <th scope="col">承辦機關</th>
              <th scope="col">最新內容</th>
              <th scope="col">
                <span className="sr-only">動作</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {ordered.length === 0 && (
              <tr>
                <td colSpan={7} className="empty">
                  目前沒有通話。
                </td>
              </tr>
            )}
            {ordered.map((c) => (
              <tr key={c.case_id} className={`${c.status} ${c.alert_level ? `alert-${c.alert_level}` : ''}`}>
                <td>
                  {c.alert_level ? (
                    <span className={`badge level-${c.alert_level}`}>{alertLevelLabel[c.alert_level]}</span>
                  ) : (
                    <span className="muted">無</span>
                  )}
                </td>
                <td className="case-id" title={`內部編號 ${c.case_id}`}>
                  {c.case_no ?? c.case_id}
                </td>
                <td>{c.agent_name ?? c.agent_id ?? '—'}</td>
                <td>
                  {c.status === 'live' ? formatDuration(now - new Date(c.started_at).getTime()) : '已結束'}
                </td>
                <td>{c.agency ?? '—'}</td>
                <td className="last">
                  {c.last_utterance ??
                    (c.speech_to_text ? '' : <span className="muted">無語音文字（未設定語音辨識）</span>)}
                </td>
                <td>
                  <button
                    type="button"
                    onClick={() => setWatching(c.case_id)}
                    aria-label={`監看案件 ${c.case_no ?? c.case_id}`}
                  >
                    監看
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="panel alert-feed" aria-labelledby="feed-title">
        <h2 id="feed-title">警示動態</h2>
        {alerts.length === 0 && <p className="empty">目前沒有警示。</p>}
        <ol aria-live="polite">
          {[...alerts]
            .sort((a, b) => new Date(b.ts).getTime() - new Date(a.ts).getTime())
            .map((a) => (
              <li key={`${a.case_id}:${a.utterance_id}:${a.reason}`} className={`alert ${a.level}`}>
                <div>
                  <span className={`badge level-${a.level}`}>{alertLevelLabel[a.level]}</span> {a.reason}
                  <span className="at">{formatClock(a.ts)}</span>
                </div>
                <q>{a.text}</q>
                <button type="button" className="quiet" onClick={() => setWatching(a.case_id)}>
                  監看案件 {a.case_id}
                </button>
              </li>
            ))}
        </ol>
      </section>
    </div>
  );
}

function useTick(): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}
