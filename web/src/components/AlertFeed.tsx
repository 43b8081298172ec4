import { useEffect, useRef, useState } from 'react';
import { playChime } from '../audio/chime.js';
import { alertLevelLabel, formatClock, protocolLabel, urgencyCategoryLabel } from '../labels.js';
import type { AlertItem, AlertStep } from '../../../src/protocol/index.js';
import { actOnAlert, ApiError } from '../net/api.js';

interface Props {
  token: string;
  alerts: AlertItem[];
  /** Open the call (after taking it over, or just to look). */
  onWatch: (caseId: string) => void;
  /** The feed changed on the server: poll now rather than at the next tick. */
  onChanged: () => void;
}

const keyOf = (a: AlertItem) => `${a.case_id}:${a.seq}`;
/** Nobody on the supervising side has picked it up yet. */
const isOpen = (a: AlertItem) => !a.acknowledged_by_supervisor && !a.taken_over_by;
const who = (step: AlertStep) => step.by_name ?? step.by ?? '';

/**
 * The supervisor's alert feed: a chime for each new open alert; acknowledge, take the call over
 * (and follow it), and note the outcome.
 */
export function AlertFeed({ token, alerts, onWatch, onChanged }: Props) {
  const heard = useRef(new Set<string>());
  const [notes, setNotes] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const fresh = alerts.filter((a) => isOpen(a) && !heard.current.has(keyOf(a)));
    for (const a of alerts) heard.current.add(keyOf(a));
    if (fresh.length > 0) playChime();
  }, [alerts]);

  const act = async (a: AlertItem, action: 'acknowledge' | 'take_over' | 'outcome', note?: string) => {
    try {
      await actOnAlert(token, a.case_id, a.seq, action, note);
      setError(null);
      onChanged();
      if (action === 'take_over') onWatch(a.case_id);
      if (action === 'outcome') setNotes((n) => ({ ...n, [keyOf(a)]: '' }));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };

  return (
    <section className="panel alert-feed" aria-labelledby="feed-title">
      <h2 id="feed-title">警示動態</h2>
      {alerts.length === 0 && <p className="empty">目前沒有警示。</p>}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <ol aria-live="polite">
        {[...alerts]
          .sort((a, b) => new Date(b.ts).getTime() - new Date(a.ts).getTime())
          .map((a) => {
            const note = notes[keyOf(a)] ?? '';
            return (
              <li
                key={keyOf(a)}
                className={`alert ${a.level}${isOpen(a) ? ' open' : ''}`}
                data-alert-seq={a.seq}
              >
                <div>
                  <span className={`badge level-${a.level}`}>{alertLevelLabel[a.level]}</span>{' '}
                  <strong>{urgencyCategoryLabel[a.category]}</strong>・{protocolLabel[a.protocol]}・案號{' '}
                  {a.case_no ?? a.case_id}
                  <span className="at">{formatClock(a.ts)}</span>
                </div>
                <q>{a.text}</q>
                <span className="muted">{a.reason}</span>
                <ul className="alert-status">
                  <li>
                    專員：
                    {a.acknowledged_by_agent ? `已確認（${who(a.acknowledged_by_agent)}）` : '尚未確認'}
                  </li>
                  {a.acknowledged_by_supervisor && <li>督導已確認（{who(a.acknowledged_by_supervisor)}）</li>}
                  {a.taken_over_by && <li>督導已接手（{who(a.taken_over_by)}）</li>}
                  {a.outcome && <li>處置結果：{a.outcome.note}</li>}
                </ul>
                <div className="alert-actions">
                  {!a.acknowledged_by_supervisor && (
                    <button type="button" onClick={() => void act(a, 'acknowledge')}>
                      確認警示
                    </button>
                  )}
                  <button type="button" className="danger" onClick={() => void act(a, 'take_over')}>
                    接手並監看
                  </button>
                  <button type="button" className="quiet" onClick={() => onWatch(a.case_id)}>
                    監看案件 {a.case_no ?? a.case_id}
                  </button>
                </div>
                <form
                  className="alert-actions"
                  onSubmit={(e) => {
                    e.preventDefault();
                    if (note.trim()) void act(a, 'outcome', note.trim());
                  }}
                >
                  <label>
                    處置結果
                    <input
                      value={note}
                      onChange={(e) => setNotes((n) => ({ ...n, [keyOf(a)]: e.target.value }))}
                      placeholder="例如：已轉接119，救護車已出發"
                    />
                  </label>
                  <button type="submit" disabled={!note.trim()}>
                    記錄
                  </button>
                </form>
              </li>
            );
          })}
      </ol>
    </section>
  );
}
