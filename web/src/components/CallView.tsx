import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { FaqCandidate } from '../../../src/protocol/index.js';
import { copyText } from '../clipboard.js';
import { formatDuration, speakerLabel } from '../labels.js';
import { actOnAlert } from '../net/api.js';
import type { UserSession } from '../net/session.js';
import {
  currentSuggestion,
  pendingAlerts,
  streamingReply,
  verifiedText,
  type SuggestionView,
} from '../state/callReducer.js';
import { useCall } from '../state/useCall.js';
import { FaqCards } from './FaqCards.js';
import { ReplyPanel, type ReplyView } from './ReplyPanel.js';
import { AlertBanner } from './AlertBanner.js';
import { AlertList, ReplyLinks, ToolResults } from './SidePanels.js';
import { Transcript } from './Transcript.js';
import { WrapUp } from './WrapUp.js';

interface Props {
  caseId: string;
  session: UserSession;
  /** Supervisor drill-down: watch only. */
  readOnly: boolean;
  /** Present when this desktop carries the call's audio: ends the call. */
  onHangUp?: () => void;
  /** Back to the previous screen (after the wrap-up, or leaving a watched call). */
  onLeave: () => void;
  /** Extra controls for the call bar (e.g. the replay progress). */
  audioStatus?: string | null;
}

const linkLabel = {
  connecting: '連線中…',
  open: '已連線',
  reconnecting: '連線中斷，重新連線中…',
  closed: '已結束',
  failed: '無法連線',
} as const;

export function CallView({ caseId, session, readOnly, onHangUp, onLeave, audioStatus }: Props) {
  const { state, link, linkDetail, sendFeedback, undoCorrection } = useCall(caseId, session.token);
  const latest = currentSuggestion(state);
  const [held, setHeld] = useState({ pointer: false, focus: false, editing: false });
  const holding = held.pointer || held.focus || held.editing;
  const [shown, setShown] = useState<SuggestionView | null>(null);
  const [selected, setSelected] = useState(0); // 0 = reply, i + 1 = card i
  const [editRequest, setEditRequest] = useState(0);
  const [wrapUpOpen, setWrapUpOpen] = useState(false);
  const [toast, setToast] = useState<string | null>(null);
  const ended = state.status === 'ended';
  const now = useNow(state.status === 'live');
  const suggestionsBox = useRef<HTMLDivElement>(null);

  // New suggestions replace the shown one only while the agent is not reading or pointing at it.
  // With nothing shown yet there is nothing under the cursor to protect.
  useEffect(() => {
    if (!holding || shown === null) setShown(latest);
  }, [latest, holding, shown]);
  useEffect(() => setSelected(0), [shown?.utteranceId]);
  const newestKb = Math.max(0, ...Object.values(state.kbVersions));
  const view = shown && { ...shown, stale: shown.kbVersion !== null && shown.kbVersion < newestKb };
  const newerWaiting = holding && latest !== null && latest !== shown;

  const draft = streamingReply(state);
  const reply: ReplyView | null =
    draft && (!view || (!holding && draft.utteranceId !== view.utteranceId))
      ? { utteranceId: draft.utteranceId, script: draft.text, streaming: true, source: null, handoff: null }
      : view && view.replyScript
        ? {
            utteranceId: view.utteranceId,
            script: view.replyScript,
            streaming: false,
            source: view.source,
            handoff: view.handoff,
          }
        : null;
  const cards = view?.faqCandidates ?? [];

  const adoptedFaqIds = useMemo(
    () =>
      new Set(state.feedback.filter((f) => f.action === 'adopt' && f.faqId).map((f) => f.faqId as string)),
    [state.feedback],
  );
  const replyStatus = useMemo(() => {
    if (!reply) return null;
    const last = [...state.feedback]
      .reverse()
      .find(
        (f) =>
          f.utteranceId === reply.utteranceId && !f.faqId && ['adopt', 'edit', 'reject'].includes(f.action),
      );
    return last
      ? ({ adopt: 'adopted', edit: 'edited', reject: 'rejected' } as const)[last.action as 'adopt']
      : null;
  }, [state.feedback, reply]);

  const flash = useCallback((message: string) => {
    setToast(message);
    setTimeout(() => setToast(null), 2_000);
  }, []);

  const adoptReply = () => {
    if (!reply || reply.streaming) return;
    sendFeedback({ action: 'adopt', utterance_id: reply.utteranceId, text: reply.script });
    flash('已採用建議回覆');
  };
  const copyReply = async () => {
    if (!reply) return;
    await copyText(reply.script);
    sendFeedback({ action: 'copy', utterance_id: reply.utteranceId, text: reply.script });
    flash('已複製建議回覆');
  };
  const adoptCard = (card: FaqCandidate) => {
    if (!view) return;
    sendFeedback({ action: 'adopt', utterance_id: view.utteranceId, faq_id: card.faq_id, text: card.answer });
    flash(`已採用：${card.question}`);
  };
  const copyCard = async (card: FaqCandidate) => {
    if (!view) return;
    await copyText(card.answer);
    sendFeedback({ action: 'copy', utterance_id: view.utteranceId, faq_id: card.faq_id, text: card.answer });
    flash('已複製答案');
  };

  const select = (index: number) => {
    const count = cards.length + 1;
    const next = ((index % count) + count) % count;
    setSelected(next);
    const target = next === 0 ? 'reply' : `card-${next - 1}`;
    suggestionsBox.current?.querySelector<HTMLElement>(`[data-select-target="${target}"]`)?.focus();
  };

  // Keyboard: Alt+A adopt, Alt+C copy, Alt+N / Alt+P next / previous card, Alt+E edit, Alt+R reject.
  useEffect(() => {
    if (readOnly) return;
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey || event.ctrlKey || event.metaKey || held.editing) return;
      const card = selected > 0 ? cards[selected - 1] : undefined;
      const handlers: Record<string, () => void> = {
        KeyA: () => (card ? adoptCard(card) : adoptReply()),
        KeyC: () => void (card ? copyCard(card) : copyReply()),
        KeyN: () => (newerWaiting ? showNewer() : select(selected + 1)),
        KeyP: () => select(selected - 1),
        KeyE: () => setEditRequest((n) => n + 1),
        KeyR: () => reply && sendFeedback({ action: 'reject', utterance_id: reply.utteranceId }),
      };
      const handler = handlers[event.code];
      if (!handler) return;
      event.preventDefault();
      handler();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const showNewer = () => {
    setShown(latest);
    setHeld((h) => ({ ...h, pointer: false, focus: false }));
  };

  const duration = state.startedAt ? (state.endedAt ?? now) - state.startedAt : 0;
  const showWrapUp = !readOnly && (wrapUpOpen || ended);

  return (
    <div className="call">
      <AlertBanner
        alerts={pendingAlerts(state)}
        readOnly={readOnly}
        onAcknowledge={async (seq) => {
          await actOnAlert(session.token, caseId, seq, 'acknowledge');
        }}
      />
      <div className="callbar" role="region" aria-label="通話狀態">
        <span className="case-id">
          案件 <strong>{caseId}</strong>
        </span>
        <span className={`call-status ${state.status}`}>
          {state.status === 'live' ? '通話中' : ended ? '通話已結束' : '等待通話開始'}
        </span>
        <span className="duration" aria-label="通話時間">
          {formatDuration(duration)}
        </span>
        <span className="speech" aria-live="polite">
          {(['caller', 'agent'] as const).map((speaker) => (
            <span key={speaker} className={`vu ${state.speaking[speaker] ? 'on' : ''}`}>
              <span className="dot" aria-hidden="true" />
              {speakerLabel[speaker]}
              {state.speaking[speaker] ? '說話中' : ''}
            </span>
          ))}
        </span>
        <span className={`link link-${ended ? 'closed' : link}`} role="status">
          {ended ? '' : linkLabel[link]}
          {linkDetail ? `（${linkDetail}）` : ''}
        </span>
        {audioStatus && <span className="audio-status">{audioStatus}</span>}
        {state.errors.length > 0 && (
          <span className="call-error" title={state.errors.map((e) => `${e.code}: ${e.message}`).join('\n')}>
            {state.errors.some((e) => e.code === 'asr_unavailable') ? '未設定語音辨識模型' : '伺服器回報錯誤'}
          </span>
        )}
        {state.alerts.length > 0 && (
          <span
            className={`badge level-${state.alerts.some((a) => a.level === 'critical') ? 'critical' : 'warning'}`}
          >
            警示 {state.alerts.length}
          </span>
        )}
        <span className="spacer" />
        {readOnly && <span className="badge">唯讀監看</span>}
        {onHangUp && !ended && (
          <button type="button" className="danger" onClick={onHangUp}>
            結束通話
          </button>
        )}
        {!readOnly && !onHangUp && !showWrapUp && (
          <button type="button" onClick={() => setWrapUpOpen(true)}>
            整理結案
          </button>
        )}
        {(readOnly || ended) && (
          <button type="button" className="quiet" onClick={onLeave}>
            返回
          </button>
        )}
      </div>
      <div className="call-grid">
        <Transcript
          utterances={state.utterances}
          onUndo={
            readOnly
              ? undefined
              : (u, index) =>
                  undoCorrection(u.id, index, verifiedText({ ...u, undoneEdits: [...u.undoneEdits, index] }))
          }
        />
        {showWrapUp ? (
          <WrapUp state={state} session={session} onDone={onLeave} />
        ) : (
          <div
            className="suggestions"
            ref={suggestionsBox}
            onMouseEnter={() => setHeld((h) => ({ ...h, pointer: true }))}
            onMouseLeave={() => setHeld((h) => ({ ...h, pointer: false }))}
            onFocus={() => setHeld((h) => ({ ...h, focus: true }))}
            onBlur={(e) => {
              if (!e.currentTarget.contains(e.relatedTarget as Node | null))
                setHeld((h) => ({ ...h, focus: false }));
            }}
          >
            <FaqCards
              suggestion={view}
              selected={readOnly ? -1 : selected - 1}
              adoptedFaqIds={adoptedFaqIds}
              readOnly={readOnly}
              newerWaiting={newerWaiting}
              onShowNewer={showNewer}
              onSelect={(i) => setSelected(i + 1)}
              onAdopt={adoptCard}
              onCopy={(card) => void copyCard(card)}
            />
            <div className="column side">
              <ReplyPanel
                reply={reply}
                status={replyStatus}
                selected={!readOnly && selected === 0}
                readOnly={readOnly}
                onSelect={() => setSelected(0)}
                onAdopt={adoptReply}
                onCopy={() => void copyReply()}
                onReject={() => reply && sendFeedback({ action: 'reject', utterance_id: reply.utteranceId })}
                onEdited={(text) =>
                  reply && sendFeedback({ action: 'edit', utterance_id: reply.utteranceId, text })
                }
                onEditingChange={(editing) => setHeld((h) => ({ ...h, editing }))}
                editRequest={editRequest}
              />
              <ReplyLinks links={view?.links ?? []} />
              <ToolResults results={state.toolResults} />
              <AlertList alerts={state.alerts} />
              {!readOnly && (
                <p className="shortcuts" aria-label="鍵盤快速鍵">
                  <kbd>Alt+N</kbd>/<kbd>Alt+P</kbd> 下／上一張卡片・<kbd>Alt+A</kbd> 採用・<kbd>Alt+C</kbd>{' '}
                  複製
                </p>
              )}
            </div>
          </div>
        )}
      </div>
      <div className="toast" role="status" aria-live="polite">
        {toast}
      </div>
    </div>
  );
}

/** The current time, ticking every second while `live`. */
function useNow(live: boolean): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [live]);
  return now;
}
