import { useEffect, useLayoutEffect, useRef, type ReactNode } from 'react';
import type { UtteranceView } from '../state/callState.js';
import { formatDuration, speakerLabel } from '../labels.js';

interface Props {
  utterances: UtteranceView[];
  /** Said while there are no lines yet. */
  emptyText: string;
  /** Undo one correction; absent in read-only views. */
  onUndo?: (utterance: UtteranceView, editIndex: number) => void;
}

/**
 * The call's transcript. New lines are appended; it follows the newest line only while the reader
 * is at the bottom, so scrolling back to read is never interrupted.
 */
export function Transcript({ utterances, emptyText, onUndo }: Props) {
  const box = useRef<HTMLOListElement>(null);
  const atBottom = useRef(true);

  useLayoutEffect(() => {
    const el = box.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [utterances]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const onScroll = () => {
      atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
    };
    el.addEventListener('scroll', onScroll);
    return () => el.removeEventListener('scroll', onScroll);
  }, []);

  return (
    <section className="column transcript" aria-labelledby="transcript-title">
      <h2 id="transcript-title">逐字稿</h2>
      {utterances.length === 0 && <p className="empty">{emptyText}</p>}
      <ol ref={box} className="lines" role="log" aria-live="polite" aria-relevant="additions text">
        {utterances.map((u) => (
          <li
            key={u.id}
            className={`line ${u.speaker} ${u.final ? 'final' : 'partial'}`}
            data-utterance={u.id}
            data-final={u.final}
          >
            <span className="who">{speakerLabel[u.speaker]}</span>
            <span className="at">{u.startMs !== null ? formatDuration(u.startMs) : ''}</span>
            <span className="text">
              {u.final ? renderCorrected(u, onUndo) : u.text}
              {!u.final && <span className="sr-only">（辨識中）</span>}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

function renderCorrected(u: UtteranceView, onUndo: Props['onUndo']): ReactNode[] {
  const out: ReactNode[] = [];
  let at = 0;
  const edits = u.edits.map((edit, index) => ({ edit, index })).sort((a, b) => a.edit.start - b.edit.start);
  for (const { edit, index } of edits) {
    if (edit.start < at || edit.end > u.correctedText.length) continue;
    if (edit.start > at) out.push(u.correctedText.slice(at, edit.start));
    const undone = u.undoneEdits.includes(index);
    if (undone) {
      out.push(
        <span key={index} className="correction undone" title={`已還原（更正為「${edit.replacement}」）`}>
          {edit.original}
        </span>,
      );
    } else if (onUndo) {
      out.push(
        <button
          key={index}
          type="button"
          className="correction"
          title={`原文：「${edit.original}」，點擊還原`}
          aria-label={`${edit.replacement}（自動更正，原文「${edit.original}」，按下還原）`}
          onClick={() => onUndo(u, index)}
        >
          {edit.replacement}
        </button>,
      );
    } else {
      out.push(
        <span key={index} className="correction" title={`原文：「${edit.original}」`}>
          {edit.replacement}
        </span>,
      );
    }
    at = edit.end;
  }
  if (at < u.correctedText.length) out.push(u.correctedText.slice(at));
  return out;
}
