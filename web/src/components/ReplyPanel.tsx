import { useEffect, useState } from 'react';
import type { AgencyContact, SuggestionVerdict } from '../../../src/protocol/index.js';

export interface ReplyView {
  utteranceId: string;
  script: string;
  /** Still arriving as `reply_delta` events. */
  streaming: boolean;
  source: 'template' | 'llm' | null;
  handoff: AgencyContact | null;
}

/** What the agent can do with the reply; absent in read-only views. */
export interface ReplyActions {
  onAdopt?: () => void;
  onCopy: () => void;
  onReject?: () => void;
  onEdited?: (text: string) => void;
  onEditingChange?: (editing: boolean) => void;
  /** Bumped by the edit shortcut. */
  editRequest?: number;
}

interface Props {
  reply: ReplyView | null;
  status: SuggestionVerdict | null;
  /** The agent's own version, once they edited and adopted it: shown instead of the suggestion. */
  editedText: string | null;
  selected: boolean;
  /** Prefix of element ids, so two panels can share a page. */
  idPrefix?: string;
  onSelect: () => void;
  actions: ReplyActions | null;
}

export function ReplyPanel(props: Props) {
  const { reply, actions } = props;
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState('');
  const prefix = props.idPrefix ?? 'reply';
  const shownText = props.status === 'edited' && props.editedText !== null ? props.editedText : reply?.script;

  const startEdit = () => {
    if (!reply || !actions?.onEdited) return;
    setDraft(shownText ?? reply.script);
    setEditing(true);
    actions.onEditingChange?.(true);
  };
  const stopEdit = () => {
    setEditing(false);
    actions?.onEditingChange?.(false);
  };
  useEffect(() => {
    if (actions?.editRequest) startEdit();
    // Only the request counter triggers an edit.
  }, [actions?.editRequest]);

  return (
    <section
      className={`reply panel-block${props.selected ? ' selected' : ''}`}
      aria-labelledby={`${prefix}-title`}
      tabIndex={-1}
      onFocus={props.onSelect}
      data-select-target="reply"
      data-utterance={reply?.utteranceId}
    >
      <div className="column-head">
        <h2 id={`${prefix}-title`}>建議回覆</h2>
        {reply?.source && (
          <span className="badge">{reply.source === 'llm' ? '語言模型' : '官方答案範本'}</span>
        )}
        {reply?.streaming && <span className="badge speculative">產生中…</span>}
        {props.status && <span className={`badge status-${props.status}`}>{statusLabel[props.status]}</span>}
      </div>
      {!reply && <p className="empty">尚無建議回覆。</p>}
      {reply && !editing && (
        <p className="script" aria-live="polite">
          {shownText}
        </p>
      )}
      {reply && editing && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            actions?.onEdited?.(draft);
            stopEdit();
          }}
        >
          <label htmlFor={`${prefix}-edit`} className="sr-only">
            修改回覆內容
          </label>
          <textarea
            id={`${prefix}-edit`}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            rows={6}
            autoFocus
          />
          <div className="actions">
            <button type="submit" className="primary">
              送出修改
            </button>
            <button type="button" onClick={stopEdit}>
              取消
            </button>
          </div>
        </form>
      )}
      {reply?.handoff && (
        <dl className="handoff" aria-label="轉介資訊">
          <dt>轉介機關</dt>
          <dd>{reply.handoff.agency}</dd>
          {reply.handoff.phone && (
            <>
              <dt>電話</dt>
              <dd>{reply.handoff.phone}</dd>
            </>
          )}
          {reply.handoff.hours && (
            <>
              <dt>服務時間</dt>
              <dd>{reply.handoff.hours}</dd>
            </>
          )}
        </dl>
      )}
      {reply && !editing && actions && (
        <div className="actions">
          {actions.onAdopt && (
            <button type="button" className="primary" onClick={actions.onAdopt} disabled={reply.streaming}>
              採用 <kbd>Alt+A</kbd>
            </button>
          )}
          <button type="button" onClick={actions.onCopy}>
            複製 <kbd>Alt+C</kbd>
          </button>
          {actions.onEdited && (
            <button type="button" onClick={startEdit} disabled={reply.streaming}>
              編輯 <kbd>Alt+E</kbd>
            </button>
          )}
          {actions.onReject && (
            <button type="button" onClick={actions.onReject}>
              不採用 <kbd>Alt+R</kbd>
            </button>
          )}
        </div>
      )}
    </section>
  );
}

const statusLabel = { adopted: '已採用', edited: '已修改採用', rejected: '未採用' } as const;
