import { useState, type FormEvent } from 'react';
import { apiRequest, ApiError } from '../net/api.js';
import type { UserSession } from '../net/session.js';
import { caseCategories, feedbackLabel } from '../labels.js';
import type { CallState } from '../state/callState.js';
import {
  adoptedActions,
  agenciesSeen,
  buildCaseRecord,
  draftWrapUp,
  type TypedQuestion,
  type WrapUpForm,
} from '../state/wrapUp.js';
import { ErrorLine } from './ErrorLine.js';

interface Props {
  state: CallState;
  /** Questions the agent typed into the knowledge search during the call. */
  typed: readonly TypedQuestion[];
  session: UserSession;
  onDone: () => void;
}

export function WrapUp({ state, typed, session, onDone }: Props) {
  const [form, setForm] = useState<WrapUpForm>(() => draftWrapUp(state, typed));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const agencies = agenciesSeen(state, typed);
  const adopted = adoptedActions(state);
  const set = (key: keyof WrapUpForm) => (value: string) => setForm((f) => ({ ...f, [key]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await apiRequest('/api/case/record', {
        token: session.token,
        body: buildCaseRecord(state, form, session.user.id, Date.now(), typed),
      });
      setSaved(true);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : '送出失敗，請再試一次');
    } finally {
      setBusy(false);
    }
  };

  if (saved) {
    return (
      <section className="wrapup column" aria-labelledby="wrapup-title">
        <h2 id="wrapup-title">結案紀錄</h2>
        <p role="status" className="saved">
          案件 {state.caseNo ?? state.caseId} 已存檔。
        </p>
        <button type="button" className="primary" onClick={onDone} autoFocus>
          返回專員桌面
        </button>
      </section>
    );
  }

  return (
    <form className="wrapup column" aria-labelledby="wrapup-title" onSubmit={(e) => void submit(e)}>
      <h2 id="wrapup-title">結案整理</h2>
      {state.status !== 'ended' && <p className="hint">通話尚未結束，逐字稿仍會持續更新。</p>}
      <p className="hint">摘要、類別與承辦機關已依通話內容與採用的答案預先填好，請確認後送出。</p>
      <label>
        通話摘要
        <textarea value={form.summary} onChange={(e) => set('summary')(e.target.value)} rows={6} required />
      </label>
      <div className="row">
        <label>
          案件類別
          <select value={form.category} onChange={(e) => set('category')(e.target.value)} required>
            <option value="">請選擇</option>
            {caseCategories.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          承辦機關
          <input value={form.agency} onChange={(e) => set('agency')(e.target.value)} list="agency-options" />
          <datalist id="agency-options">
            {agencies.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </label>
      </div>
      <label>
        備註
        <textarea value={form.notes} onChange={(e) => set('notes')(e.target.value)} rows={3} />
      </label>
      <details>
        <summary>
          本通話的建議處理紀錄（{state.feedback.length} 筆，採用 {adopted.length} 筆）
        </summary>
        <ul>
          {state.feedback.map((f) => (
            <li key={f.seq}>
              {feedbackLabel[f.action]}
              {f.faqId ? `（問答 ${f.faqId}）` : ''}
              {f.text ? `：${f.text.slice(0, 60)}` : ''}
            </li>
          ))}
        </ul>
      </details>
      <ErrorLine error={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          送出結案紀錄
        </button>
      </div>
    </form>
  );
}
