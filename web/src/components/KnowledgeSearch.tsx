/**
 * Typed knowledge search: the agent types what the caller asks and gets the same cards and reply
 * script a call's suggestion shows, from the same engine (`POST /api/query`, which keeps a
 * conversation so a follow-up such as 「那要帶什麼？」 is understood). Used during a call (also when
 * there is no speech recognition at all) and without one. `/` anywhere puts the cursor in the box.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent, type RefObject } from 'react';
import { askKnowledge, startConversation, ApiError, type KnowledgeAnswer } from '../net/api.js';
import type { SuggestionView } from '../state/callState.js';
import { ErrorLine } from './ErrorLine.js';

export interface TypedQuery {
  /** Unique within the case (`typed-<time>-<n>`). */
  id: string;
  text: string;
  at: number;
  answer: KnowledgeAnswer;
}

let counter = 0;

/** Asks the knowledge engine; one conversation per hook instance (a call, or the desk). */
export function useKnowledgeSearch(token: string) {
  const conversation = useRef<Promise<string> | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const ask = useCallback(
    async (raw: string): Promise<TypedQuery | null> => {
      const text = raw.trim();
      if (!text) return null;
      setBusy(true);
      setError(null);
      try {
        conversation.current ??= startConversation(token).then((c) => c.conversation_id);
        const id = await conversation.current.catch((err: unknown) => {
          conversation.current = null;
          throw err;
        });
        const answer = await askKnowledge(token, id, text);
        // Unique within the case even across page reloads: the archive keys the query's actions by it.
        return { id: `typed-${Date.now().toString(36)}-${++counter}`, text, at: Date.now(), answer };
      } catch (err) {
        setError(err instanceof ApiError ? err.message : '查詢失敗，請再試一次');
        return null;
      } finally {
        setBusy(false);
      }
    },
    [token],
  );
  return { ask, busy, error };
}

/** A typed query's answer in the shape the cards and the reply panel show. */
export function typedSuggestion(query: TypedQuery): SuggestionView {
  const { answer } = query;
  return {
    utteranceId: query.id,
    seq: 0,
    ts: query.at,
    correctedText: query.text,
    faqCandidates: answer.faq_candidates,
    replyScript: answer.answer,
    tier: answer.tier,
    kbVersion: null,
    speculative: false,
    handoff: answer.handoff,
    source: answer.source,
    citedFaqIds: answer.cited_faq_ids,
    stale: false,
    // A typed question's answer is read from the cards; its pages and alerts come with live turns.
    links: [],
    urgent: null,
  };
}

interface SearchBoxProps {
  onAsk: (text: string) => void;
  busy: boolean;
  error: string | null;
  inputRef?: RefObject<HTMLInputElement | null>;
  /** A line under the box (e.g. why typing is the way to search now). */
  hint?: string | null;
}

/** The search form; `/` focuses its box from anywhere on the page except other text fields. */
export function SearchBox({ onAsk, busy, error, inputRef, hint }: SearchBoxProps) {
  const ownRef = useRef<HTMLInputElement>(null);
  const input = inputRef ?? ownRef;
  const [text, setText] = useState('');

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== '/' || event.altKey || event.ctrlKey || event.metaKey) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, [contenteditable="true"]')) return;
      event.preventDefault();
      input.current?.focus();
      input.current?.select();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [input]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (text.trim()) onAsk(text);
  };

  return (
    <form role="search" className="kb-search" onSubmit={submit}>
      <input
        ref={input}
        type="search"
        aria-label="查詢知識庫"
        placeholder="查詢知識庫：輸入民眾的問題（按 / 移到這裡）"
        value={text}
        onChange={(e) => setText(e.target.value)}
        maxLength={2000}
      />
      <button type="submit" disabled={busy || !text.trim()}>
        {busy ? '查詢中…' : '查詢'}
      </button>
      {hint && <p className="hint">{hint}</p>}
      <ErrorLine error={error} />
    </form>
  );
}
