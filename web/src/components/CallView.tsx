import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { verdictOf, type FaqCandidate } from '../../../src/protocol/index.js';
import { copyText } from '../clipboard.js';
import { actOnAlert } from '../net/api.js';
import type { UserSession } from '../net/session.js';
import {
  currentSuggestion,
  pendingAlerts,
  streamingReply,
  verifiedText,
  type SuggestionView,
} from '../state/callState.js';
import { useCall } from '../state/useCall.js';
import type { TypedQuestion } from '../state/wrapUp.js';
import { FaqCards } from './FaqCards.js';
import { SearchBox, typedSuggestion, useKnowledgeSearch, type TypedQuery } from './KnowledgeSearch.js';
import { ReplyPanel, type ReplyActions, type ReplyView } from './ReplyPanel.js';
import { AlertBanner } from './AlertBanner.js';
import { CallBar } from './CallBar.js';
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

const asTypedQuestion = (q: TypedQuery): TypedQuestion => ({
  id: q.id,
  text: q.text,
  at: q.at,
  cards: q.answer.faq_candidates,
  agency: q.answer.agency?.agency ?? null,
  procedure: q.answer.tier === 'procedure',
});

export function CallView({ caseId, session, readOnly, onHangUp, onLeave, audioStatus }: Props) {
  const { state, link, linkReason, sendFeedback, undoCorrection } = useCall(caseId, session.token);
  const latest = currentSuggestion(state);
  const [held, setHeld] = useState({ pointer: false, focus: false, editing: false });
  const holding = held.pointer || held.focus || held.editing;
  const [shown, setShown] = useState<SuggestionView | null>(null);
  const [selected, setSelected] = useState(0); // 0 = reply, i + 1 = card i
  const [editRequest, setEditRequest] = useState(0);
  const [wrapUpOpen, setWrapUpOpen] = useState(false);
  const [toast, setToast] = useState<string | null>(null);
  const search = useKnowledgeSearch(session.token);
  const [typed, setTyped] = useState<TypedQuery[]>([]);
  /** A typed search's result on screen instead of the live suggestion, with the live seq it covered. */
  const [typedShown, setTypedShown] = useState<{ query: TypedQuery; liveSeq: number } | null>(null);
  const ended = state.status === 'ended';
  const suggestionsBox = useRef<HTMLDivElement>(null);
  const searchInput = useRef<HTMLInputElement>(null);
  /** The call runs without speech recognition: no transcript will come, typing is the way to search. */
  const noSpeechText =
    state.startedAt !== null &&
    (state.asr === null || state.errors.some((e) => e.code === 'asr_unavailable'));

  useEffect(() => {
    if (noSpeechText && !ended) searchInput.current?.focus();
  }, [noSpeechText, ended]);

  // New suggestions replace the shown one only while the agent is not reading or pointing at it.
  // With nothing shown yet there is nothing under the cursor to protect.
  useEffect(() => {
    if (!holding || shown === null) setShown(latest);
  }, [latest, holding, shown]);
  const newestKb = Math.max(0, ...Object.values(state.kbVersions));
  const live = shown && { ...shown, stale: shown.kbVersion !== null && shown.kbVersion < newestKb };
  const view = typedShown ? typedSuggestion(typedShown.query) : live;
  useEffect(() => setSelected(0), [view?.utteranceId]);
  const newerWaiting = typedShown
    ? latest !== null && latest.seq > typedShown.liveSeq
    : holding && latest !== null && latest !== shown;

  const draft = streamingReply(state);
  const reply: ReplyView | null =
    !typedShown && draft && (!view || (!holding && draft.utteranceId !== view.utteranceId))
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
  // What the server recorded for the reply on screen: the edited text is what the caller heard.
  const replyOutcome = useMemo(() => {
    if (!reply) return null;
    const last = [...state.feedback]
      .reverse()
      .find(
        (f) =>
          f.utteranceId === reply.utteranceId && !f.faqId && ['adopt', 'edit', 'reject'].includes(f.action),
      );
    if (!last) return null;
    const status = verdictOf[last.action as keyof typeof verdictOf];
    return { status, text: last.action === 'edit' ? (last.text ?? null) : null };
  }, [state.feedback, reply]);

  const flash = useCallback((message: string) => {
    setToast(message);
    setTimeout(() => setToast(null), 2_000);
  }, []);

  /**
   * After an action the agent is done with what is on screen: focus leaves the suggestion area and
   * nothing holds it any more, so the panel follows the newest utterance again.
   */
  const release = () => {
    const active = document.activeElement;
    if (active instanceof HTMLElement && suggestionsBox.current?.contains(active)) active.blur();
    setHeld({ pointer: false, focus: false, editing: false });
  };

  const feedback = (message: Parameters<typeof sendFeedback>[0], done: string) => {
    sendFeedback(message);
    flash(done);
    release();
  };
  const adoptReply = () => {
    if (!reply || reply.streaming) return;
    feedback({ action: 'adopt', utterance_id: reply.utteranceId, text: reply.script }, '已採用建議回覆');
  };
  const copyReply = async () => {
    if (!reply) return;
    const text = replyOutcome?.text ?? reply.script;
    await copyText(text);
    if (readOnly) return flash('已複製建議回覆');
    feedback({ action: 'copy', utterance_id: reply.utteranceId, text }, '已複製建議回覆');
  };
  const rejectReply = () => {
    if (!reply) return;
    feedback({ action: 'reject', utterance_id: reply.utteranceId }, '已標記為不採用');
  };
  const editReply = (text: string) => {
    if (!reply) return;
    feedback({ action: 'edit', utterance_id: reply.utteranceId, text }, '已採用修改後的回覆');
  };
  const adoptCard = (card: FaqCandidate) => {
    if (!view) return;
    feedback(
      { action: 'adopt', utterance_id: view.utteranceId, faq_id: card.faq_id, text: card.answer },
      `已採用：${card.question}`,
    );
  };
  const copyCard = async (card: FaqCandidate) => {
    if (!view) return;
    await copyText(card.answer);
    if (readOnly) return flash('已複製答案');
    feedback(
      { action: 'copy', utterance_id: view.utteranceId, faq_id: card.faq_id, text: card.answer },
      '已複製答案',
    );
  };

  const select = (index: number) => {
    const count = cards.length + 1;
    const next = ((index % count) + count) % count;
    setSelected(next);
    const target = next === 0 ? 'reply' : `card-${next - 1}`;
    suggestionsBox.current?.querySelector<HTMLElement>(`[data-select-target="${target}"]`)?.focus();
  };

  const showNewer = () => {
    setTypedShown(null);
    setShown(latest);
    setHeld((h) => ({ ...h, pointer: false, focus: false }));
  };

  const ask = async (text: string) => {
    const query = await search.ask(text);
    if (!query) return;
    setTyped((list) => [...list, query]);
    setTypedShown({ query, liveSeq: latest?.seq ?? 0 });
  };

  // Keyboard: Alt+A adopt, Alt+C copy, Alt+N / Alt+P next / previous card, Alt+E edit, Alt+R reject.
  // Always on what is on screen now (the handler is rebuilt with every render).
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
        KeyR: rejectReply,
      };
      const handler = handlers[event.code];
      if (!handler) return;
      event.preventDefault();
      handler();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const showWrapUp = !readOnly && (wrapUpOpen || ended);
  const replyActions: ReplyActions | null = !reply
    ? null
    : readOnly
      ? { onCopy: () => void copyReply() }
      : {
          onAdopt: adoptReply,
          onCopy: () => void copyReply(),
          onReject: rejectReply,
          onEdited: editReply,
          onEditingChange: (editing) => setHeld((h) => ({ ...h, editing })),
          editRequest,
        };

  return (
    <div className="call">
      <AlertBanner
        alerts={pendingAlerts(state)}
        readOnly={readOnly}
        onAcknowledge={async (seq) => {
          await actOnAlert(session.token, caseId, seq, 'acknowledge');
        }}
      />
      <CallBar
        caseId={caseId}
        state={state}
        link={link}
        linkReason={linkReason}
        audioStatus={audioStatus ?? null}
        noSpeechText={noSpeechText}
        readOnly={readOnly}
        onHangUp={onHangUp}
        onWrapUp={!readOnly && !showWrapUp ? () => setWrapUpOpen(true) : undefined}
        onLeave={onLeave}
      />
      {!showWrapUp && (
        <div className="call-search">
          {noSpeechText && (
            <p className="notice" role="status">
              此通話沒有語音辨識（伺服器未設定語音辨識模型），不會有逐字稿：請把民眾的問題輸入「查詢知識庫」。
            </p>
          )}
          <SearchBox
            onAsk={(text) => void ask(text)}
            busy={search.busy}
            error={search.error}
            inputRef={searchInput}
          />
        </div>
      )}
      <div className="call-grid">
        <Transcript
          utterances={state.utterances}
          emptyText={
            noSpeechText
              ? '沒有語音辨識，通話不會有逐字稿。可在上方「查詢知識庫」輸入民眾的問題。'
              : '等待通話內容…'
          }
          onUndo={
            readOnly
              ? undefined
              : (u, index) =>
                  undoCorrection(u.id, index, verifiedText({ ...u, undoneEdits: [...u.undoneEdits, index] }))
          }
        />
        {showWrapUp ? (
          <WrapUp state={state} typed={typed.map(asTypedQuestion)} session={session} onDone={onLeave} />
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
              title={typedShown ? '查詢結果' : '建議問答'}
              queryLabel={typedShown ? `查詢：${typedShown.query.text}` : undefined}
              actions={
                typedShown && (
                  <button type="button" className="quiet" onClick={() => setTypedShown(null)}>
                    回到即時建議
                  </button>
                )
              }
              selected={readOnly ? -1 : selected - 1}
              adoptedFaqIds={adoptedFaqIds}
              newerWaiting={newerWaiting}
              onShowNewer={showNewer}
              onSelect={(i) => setSelected(i + 1)}
              onAdopt={readOnly ? undefined : adoptCard}
              onCopy={(card) => void copyCard(card)}
            />
            <div className="column side">
              <ReplyPanel
                reply={reply}
                status={replyOutcome?.status ?? null}
                editedText={replyOutcome?.text ?? null}
                selected={!readOnly && selected === 0}
                onSelect={() => setSelected(0)}
                actions={replyActions}
              />
              <ReplyLinks links={view?.links ?? []} />
              <ToolResults results={state.toolResults} />
              <AlertList alerts={state.alerts} />
              {!readOnly && (
                <p className="shortcuts" aria-label="鍵盤快速鍵">
                  <kbd>/</kbd> 查詢・<kbd>Alt+N</kbd>/<kbd>Alt+P</kbd> 下／上一張卡片・<kbd>Alt+A</kbd> 採用・
                  <kbd>Alt+C</kbd> 複製
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
