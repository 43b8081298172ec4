/**
 * 通話紀錄: archived calls for supervisors (all) and agents (their own, enforced by the server).
 * Search by date, agent, agency and text (or a case number), open a case, read its redacted
 * transcript with the suggestions shown and the agent's actions, and play its audio.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { errorMessage, formatDuration, speakerLabel } from '../labels.js';
import { ApiError, caseAudioUrl, readCase, readFaqEntry, searchCases, type CaseQuery } from '../net/api.js';
import type { NumberedCaseSummary, NumberedCaseView } from '../../../src/protocol/index.js';
import type { UserSession } from '../net/session.js';
import { ErrorLine } from '../components/ErrorLine.js';

const actionLabel: Record<string, string> = {
  adopted: '採用',
  edited: '修改後採用',
  rejected: '不採用',
  copied: '複製',
  undo_correction: '還原更正',
  annotation: '註記',
  alert_warning: '注意警示',
  alert_critical: '緊急警示',
};
const statusLabel: Record<string, string> = {
  live: '通話中',
  ended: '已結束',
  interrupted: '中斷（伺服器停止）',
};

const when = (ms: number) => new Date(ms).toLocaleString('zh-TW', { hour12: false });
/** A date field's day as Taipei time, from its first or last millisecond. */
const day = (value: string, end: boolean) =>
  value ? `${value}T${end ? '23:59:59.999' : '00:00:00'}+08:00` : undefined;
const failure = (err: unknown) => (err instanceof ApiError ? err.message : errorMessage('network'));

export function Archive({ session }: { session: UserSession }) {
  const [form, setForm] = useState({ from: '', to: '', agent: '', agency: '', q: '' });
  const [cases, setCases] = useState<NumberedCaseSummary[] | null>(null);
  const [opened, setOpened] = useState<NumberedCaseView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const supervisor = session.user.role !== 'agent';

  const search = async (query: CaseQuery) => {
    setError(null);
    try {
      setCases((await searchCases(session.token, query)).cases);
    } catch (err) {
      setError(failure(err));
    }
  };
  useEffect(() => {
    void search({});
  }, [session.token]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void search({
      from: day(form.from, false),
      to: day(form.to, true),
      agent: supervisor ? form.agent.trim() : undefined,
      agency: form.agency.trim(),
      q: form.q.trim(),
    });
  };
  const open = async (id: string) => {
    setError(null);
    try {
      setOpened(await readCase(session.token, id));
    } catch (err) {
      setError(failure(err));
    }
  };

  if (opened) return <CaseRecord record={opened} session={session} onBack={() => setOpened(null)} />;

  const field = (key: keyof typeof form) => ({
    value: form[key],
    onChange: (e: { target: { value: string } }) => setForm((f) => ({ ...f, [key]: e.target.value })),
  });
  return (
    <div className="archive">
      <section className="panel" aria-labelledby="archive-title">
        <h2 id="archive-title">通話紀錄{supervisor ? '' : '（我的通話）'}</h2>
        <form className="archive-search" onSubmit={submit} role="search" aria-label="搜尋通話紀錄">
          <label>
            起日
            <input type="date" {...field('from')} />
          </label>
          <label>
            迄日
            <input type="date" {...field('to')} />
          </label>
          {supervisor && (
            <label>
              專員編號
              <input {...field('agent')} />
            </label>
          )}
          <label>
            承辦機關
            <input {...field('agency')} />
          </label>
          <label>
            內容或案號
            <input {...field('q')} placeholder="例如：沙發、1999-20261202-000001" />
          </label>
          <button type="submit" className="primary">
            搜尋
          </button>
        </form>
        <ErrorLine error={error} />
        {cases && cases.length === 0 && <p className="empty">沒有符合的通話。</p>}
        {cases && cases.length > 0 && (
          <table className="calls archive-results">
            <thead>
              <tr>
                <th scope="col">案號</th>
                <th scope="col">開始時間</th>
                <th scope="col">專員</th>
                <th scope="col">承辦機關</th>
                <th scope="col">類別</th>
                <th scope="col">狀態</th>
                <th scope="col">
                  <span className="sr-only">動作</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {cases.map((c) => (
                <tr key={c.id}>
                  <td className="case-id" title={`內部編號 ${c.id}`}>
                    {c.case_no ?? c.id}
                  </td>
                  <td>{when(c.started_at)}</td>
                  <td>{c.agent_id === session.user.id ? '我' : (c.agent_id ?? '—')}</td>
                  <td>{c.agency ?? '—'}</td>
                  <td>{c.category ?? '—'}</td>
                  <td>{statusLabel[c.status] ?? c.status}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() => void open(c.id)}
                      aria-label={`開啟 ${c.case_no ?? c.id}`}
                    >
                      開啟
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function CaseRecord({
  record,
  session,
  onBack,
}: {
  record: NumberedCaseView;
  session: UserSession;
  onBack: () => void;
}) {
  const [questions, setQuestions] = useState<Record<string, string>>({});
  const [playing, setPlaying] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const notes = record.feedback.filter((f) => f.action === 'annotation');
  const summary = notes.find((f) => f.text?.startsWith('summary: '))?.text?.slice('summary: '.length);
  const typed = notes.filter((f) => f.text?.startsWith('typed_query: '));
  const callAudio = record.audio.filter((a) => a.kind === 'call' || a.kind === 'upload');
  const utteranceAudio = new Set(record.audio.filter((a) => a.kind === 'utterance').map((a) => a.segment_id));

  // The questions of the FAQ entries the call was shown, so the suggestions read as text.
  useEffect(() => {
    const ids = [
      ...new Set([
        ...record.suggestions.flatMap((s) => s.faq_ids.slice(0, 3)),
        ...record.feedback.flatMap((f) => (f.faq_id ? [f.faq_id] : [])),
      ]),
    ];
    let cancelled = false;
    void Promise.all(
      ids.map((id) =>
        readFaqEntry(session.token, id)
          .then((e) => [id, e.question] as const)
          .catch(() => [id, id] as const),
      ),
    ).then((pairs) => !cancelled && setQuestions(Object.fromEntries(pairs)));
    return () => {
      cancelled = true;
    };
  }, [record, session.token]);

  const play = async (segment: string) => {
    setError(null);
    try {
      const url = await caseAudioUrl(session.token, record.id, segment);
      setPlaying((p) => ({ ...p, [segment]: url }));
    } catch (err) {
      setError(failure(err));
    }
  };
  const player = (segment: string, label: string) =>
    playing[segment] ? (
      <audio src={playing[segment]} controls autoPlay aria-label={label} />
    ) : (
      <button type="button" className="quiet" onClick={() => void play(segment)} aria-label={`播放${label}`}>
        ▶ 播放
      </button>
    );

  return (
    <div className="archive case-record">
      <section className="panel" aria-labelledby="case-title">
        <div className="column-head">
          <h2 id="case-title">
            案號 {record.case_no ?? record.id}
            <span className="muted"> （內部編號 {record.id}）</span>
          </h2>
          <span className="spacer" />
          <button type="button" className="quiet" onClick={onBack}>
            返回列表
          </button>
        </div>
        <dl className="case-facts">
          <dt>開始</dt>
          <dd>{when(record.started_at)}</dd>
          <dt>結束</dt>
          <dd>{record.ended_at ? when(record.ended_at) : '—'}</dd>
          <dt>專員</dt>
          <dd>{record.agent_id === session.user.id ? '我' : (record.agent_id ?? '—')}</dd>
          <dt>承辦機關</dt>
          <dd>{record.agency ?? '—'}</dd>
          <dt>類別</dt>
          <dd>{record.category ?? '—'}</dd>
          <dt>狀態</dt>
          <dd>{statusLabel[record.status] ?? record.status}</dd>
        </dl>
        {summary && (
          <div className="case-summary">
            <h3>摘要</h3>
            <p className="pre">{summary}</p>
          </div>
        )}
        {record.notes && (
          <div className="case-summary">
            <h3>備註</h3>
            <p className="pre">{record.notes}</p>
          </div>
        )}
        <ErrorLine error={error} />
        <h3>通話錄音</h3>
        {callAudio.length === 0 && <p className="empty">沒有保存的錄音（或已依保存期限刪除）。</p>}
        <ol className="audio-list">
          {callAudio.map((a) => (
            <li key={a.segment_id}>
              {formatDuration(a.start_ms)}–{formatDuration(a.end_ms)}{' '}
              {player(a.segment_id, `錄音 ${formatDuration(a.start_ms)}`)}
            </li>
          ))}
        </ol>
        {typed.length > 0 && (
          <>
            <h3>專員查詢</h3>
            <ul>
              {typed.map((t) => (
                <li key={t.id}>{t.text?.slice('typed_query: '.length)}</li>
              ))}
            </ul>
          </>
        )}
      </section>
      <section className="panel" aria-labelledby="record-transcript-title">
        <h2 id="record-transcript-title">
          {/* What the server gives each role: agents get personal data masked, supervisors the stored text. */}
          {session.user.role === 'agent' ? '逐字稿（已遮蔽個資）與建議處理' : '逐字稿與建議處理'}
        </h2>
        {record.transcript.length === 0 && <p className="empty">沒有逐字稿。</p>}
        <ol className="lines record-lines">
          {record.transcript.map((u) => {
            const shown = record.suggestions.find((s) => s.utterance_id === u.utterance_id);
            const actions = record.feedback.filter(
              (f) => f.utterance_id === u.utterance_id && f.action !== 'annotation',
            );
            return (
              <li key={u.utterance_id} className={`line ${u.speaker}`}>
                <span className="who">{speakerLabel[u.speaker as 'caller' | 'agent'] ?? u.speaker}</span>
                <span className="at">{formatDuration(u.start_ms)}</span>
                <div className="text">
                  <p>
                    {u.text ?? '（已刪除）'}
                    {utteranceAudio.has(u.utterance_id) &&
                      player(u.utterance_id, `語句 ${formatDuration(u.start_ms)}`)}
                  </p>
                  {shown && (
                    <div className="record-suggestion">
                      <span className="label">建議問答</span>
                      {shown.faq_ids
                        .slice(0, 3)
                        .map((id) => questions[id] ?? id)
                        .join('；') || '（無）'}
                      <br />
                      <span className="label">建議回覆</span>
                      {shown.reply_script}
                    </div>
                  )}
                  {actions.map((f) => (
                    <div key={f.id} className={`record-action action-${f.action}`}>
                      <span className="label">{actionLabel[f.action] ?? f.action}</span>
                      {f.faq_id ? `${questions[f.faq_id] ?? f.faq_id}` : (f.text ?? '')}
                    </div>
                  ))}
                </div>
              </li>
            );
          })}
        </ol>
        {record.feedback.some((f) => f.utterance_id?.startsWith('typed-') && f.action !== 'annotation') && (
          <>
            <h3>查詢結果的處理</h3>
            <ul>
              {record.feedback
                .filter((f) => f.utterance_id?.startsWith('typed-') && f.action !== 'annotation')
                .map((f) => (
                  <li key={f.id} className={`record-action action-${f.action}`}>
                    <span className="label">{actionLabel[f.action] ?? f.action}</span>
                    {f.faq_id ? `${questions[f.faq_id] ?? f.faq_id}` : (f.text ?? '')}
                  </li>
                ))}
            </ul>
          </>
        )}
      </section>
    </div>
  );
}
