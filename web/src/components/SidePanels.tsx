import type { AlertView, ToolResultView } from '../state/callReducer.js';
import { alertLevelLabel, formatClock } from '../labels.js';

export function AlertList({ alerts }: { alerts: AlertView[] }) {
  if (alerts.length === 0) return null;
  return (
    <section className="panel-block alerts" aria-labelledby="alerts-title">
      <h2 id="alerts-title">督導警示</h2>
      <ul>
        {[...alerts].reverse().map((a) => (
          <li key={a.seq} className={`alert ${a.level}`} role={a.level === 'critical' ? 'alert' : undefined}>
            <span className={`badge level-${a.level}`}>{alertLevelLabel[a.level]}</span> {a.reason}
            <span className="at">{formatClock(a.ts)}</span>
            <q>{a.text}</q>
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
