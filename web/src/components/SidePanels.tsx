import type { AlertView, ToolResultView } from '../state/callState.js';
import { alertLevelLabel, formatClock, protocolLabel } from '../labels.js';

export function AlertList({ alerts }: { alerts: AlertView[] }) {
  if (alerts.length === 0) return null;
  return (
    <section className="panel-block alerts" aria-labelledby="alerts-title">
      <h2 id="alerts-title">督導警示</h2>
      <ul>
        {[...alerts].reverse().map((a) => (
          <li key={a.seq} className={`alert ${a.level}`} role={a.level === 'critical' ? 'alert' : undefined}>
            <span className={`badge level-${a.level}`}>{alertLevelLabel[a.level]}</span> {a.reason}・
            {protocolLabel[a.protocol]}
            <span className="at">{formatClock(a.ts)}</span>
            <q>{a.text}</q>
            {a.steps.outcome && <span>處置結果：{a.steps.outcome.note}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Pages and forms of the answer: the agent sends them by SMS or e-mail instead of reading them out. */
export function ReplyLinks({ links }: { links: Array<{ label: string; url: string }> }) {
  if (links.length === 0) return null;
  return (
    <section className="panel-block links" aria-labelledby="links-title">
      <h2 id="links-title">可傳送的連結</h2>
      <ul className="reply-links">
        {links.map((l) => (
          <li key={l.url}>
            {l.label}：
            <a href={l.url} target="_blank" rel="noreferrer">
              {l.url.replace(/^mailto:/, '')}
            </a>{' '}
            <a href={`sms:?body=${encodeURIComponent(`${l.label} ${l.url}`)}`}>簡訊</a>{' '}
            <a href={`mailto:?subject=${encodeURIComponent(l.label)}&body=${encodeURIComponent(l.url)}`}>
              電子郵件
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

const toolLabel: Record<string, string> = { case_status: '案件進度查詢' };

export function ToolResults({ results }: { results: ToolResultView[] }) {
  if (results.length === 0) return null;
  return (
    <section className="panel-block tools" aria-labelledby="tools-title">
      <h2 id="tools-title">查詢結果</h2>
      {[...results].reverse().map((r) => (
        <article key={r.seq} className="tool-card">
          <h3>{toolLabel[r.tool] ?? r.tool}</h3>
          <dl>
            {Object.entries(r.result).map(([key, value]) => (
              <div key={key}>
                <dt>{key}</dt>
                <dd>{typeof value === 'object' ? JSON.stringify(value) : String(value)}</dd>
              </div>
            ))}
          </dl>
        </article>
      ))}
    </section>
  );
}
