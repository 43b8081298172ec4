import { useCallback, useEffect, useState } from 'react';
import type { AlertItem, CallSummary } from '../../../src/protocol/index.js';
import { ApiError, listAlerts, listCalls } from '../net/api.js';

const POLL_MS = 2_000;

/** Live and recent calls (and, for supervisors, alerts), refreshed while `active`. */
export function useCallList(token: string, active: boolean, withAlerts = false) {
  const [calls, setCalls] = useState<CallSummary[]>([]);
  const [alerts, setAlerts] = useState<AlertItem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [nudge, setNudge] = useState(0);
  /** Poll now (after an action), not at the next tick. */
  const refresh = useCallback(() => setNudge((n) => n + 1), []);

  useEffect(() => {
    if (!active) return;
    let cancelled = false;
    const load = async () => {
      try {
        const [c, a] = await Promise.all([listCalls(token), withAlerts ? listAlerts(token) : null]);
        if (cancelled) return;
        setCalls(c.calls);
        if (a) setAlerts(a.alerts);
        setError(null);
      } catch (err) {
        if (!cancelled) setError(err instanceof ApiError ? err.message : '無法取得通話清單');
      }
    };
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [token, active, withAlerts, nudge]);

  return { calls, alerts, error, refresh };
}
