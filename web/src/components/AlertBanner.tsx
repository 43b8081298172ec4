import { useState } from 'react';
import { protocolLabel, urgencyCategoryLabel, formatClock } from '../labels.js';
import type { AlertView } from '../state/callState.js';

interface Props {
  /** Alerts the agent has not acknowledged, newest first. */
  alerts: AlertView[];
  /** Supervisor drill-down: shows the alerts, acknowledges nothing for the agent. */
  readOnly: boolean;
  onAcknowledge: (seq: number) => Promise<void>;
}

/**
 * An emergency in the call, above everything else: what it is, where to transfer, and the script to
 * read now. It stays until the agent acknowledges it.
 */
export function AlertBanner({ alerts, readOnly, onAcknowledge }: Props) {
  const [error, setError] = useState<string | null>(null);
  if (alerts.length === 0) return null;
  return (
    <div className="alert-banners">
      {alerts.map((a) => (
        <section
          key={a.seq}
          className={`alert-banner ${a.level}`}
          role="alert"
          aria-labelledby={`alert-${a.seq}-title`}
          data-alert-seq={a.seq}
        >
          <header>
            <h2 id={`alert-${a.seq}-title`}>
              {a.level === 'critical' ? '緊急狀況' : '注意'}：{urgencyCategoryLabel[a.category]}
            </h2>
            <span className="protocol">轉介 {protocolLabel[a.protocol]}</span>
            <span className="at">{formatClock(a.ts)}</span>
          </header>
          <p className="alert-script">{a.script}</p>
          <p className="alert-why">
            {a.reason}・<q>{a.text}</q>
          </p>
          {a.steps.take_over && (
            <p className="alert-step">督導已接手（{a.steps.take_over.byName ?? a.steps.take_over.by}）</p>
          )}
          {!readOnly && (
            <button
              type="button"
              className="danger"
              onClick={() =>
                void onAcknowledge(a.seq).then(
                  () => setError(null),
                  (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
                )
              }
            >
              已確認，開始處理
            </button>
          )}
        </section>
      ))}
      {error && <p className="error">{error}</p>}
    </div>
  );
}
