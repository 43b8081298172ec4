import { useEffect, useState } from 'react';
import type { AgencyContact } from '../../../src/protocol/index.js';

export interface ReplyView {
  utteranceId: string;
  script: string;
  /** Still arriving as `reply_delta` events. */
  streaming: boolean;
  source: 'template' | 'llm' | null;
  handoff: AgencyContact | null;
}

interface Props {
  reply: ReplyView | null;
  status: 'adopted' | 'edited' | 'rejected' | null;
  selected: boolean;
  readOnly: boolean;
  onSelect: () => void;
  onAdopt: () => void;
  onCopy: () => void;
  onReject: () => void;
  onEdited: (text: string) => void;
  onEditingChange: (editing: boolean) => void;
  /** Bumped by the edit shortcut. */
  editRequest: number;
}

export function ReplyPanel(props: Props) {
  const { reply } = props;
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState('');

  const startEdit = () => {
    if (!reply || props.readOnly) return;
    setDraft(reply.script);
    setEditing(true);
    props.onEditingChange(true);
  };
  const stopEdit = () => {
    setEditing(false);
    props.onEditingChange(false);
  };
  useEffect(() => {
    if (props.editRequest > 0) startEdit();
    // Only the request counter triggers an edit.
  }, [props.editRequest]);

  return (
    <section
      className={`reply panel-block${props.selected ? ' selected' : ''}`}
      aria-labelledby="reply-title"
      tabIndex={-1}
      onFocus={props.onSelect}
      data-select-target="reply"
    >
      <div className="column-head">
        <h2 id="reply-title">建議回覆</h2>
        {reply?.source && (
          <span className="badge">{reply.source === 'llm' ? '語言模型' : '官方答案範本'}</span>
        )}
        {reply?.streaming && <span className="badge speculative">產生中…</span>}
        {props.status && <span className={`badge status-${props.status}`}>{statusLabel[props.status]}</span>}
      </div>
      {!reply && <p className="empty">尚無建議回覆。</p>}
      {reply && !editing && (
        <p className="script" aria-live="polite">
          {reply.script}
        </p>
      )}
      {reply && editing && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            props.onEdited(draft);
            stopEdit();
          }}
        >
          <label htmlFor="reply-edit" className="sr-only">
            修改回覆內容
          </label>
          <textarea
            id="reply-edit"
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
      {reply && !editing && !props.readOnly && (
        <div className="actions">
          <button type="button" className="primary" onClick={props.onAdopt} disabled={reply.streaming}>
            採用 <kbd>Alt+A</kbd>
          </button>
          <button type="button" onClick={props.onCopy}>
            複製 <kbd>Alt+C</kbd>
          </button>
          <button type="button" onClick={startEdit} disabled={reply.streaming}>
            編輯 <kbd>Alt+E</kbd>
          </button>
          <button type="button" onClick={props.onReject}>
            不採用 <kbd>Alt+R</kbd>
          </button>
        </div>
      )}
    </section>
  );
}

const statusLabel = { adopted: '已採用', edited: '已修改採用', rejected: '未採用' } as const;
