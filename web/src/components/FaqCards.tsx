import { useState, type ReactNode } from 'react';
import type { FaqCandidate } from '../../../src/protocol/index.js';
import type { SuggestionView } from '../state/callState.js';
import { tierLabel } from '../labels.js';

interface Props {
  suggestion: SuggestionView | null;
  /** Heading of the list (the live suggestion, or a typed search's result). */
  title?: string;
  /** Prefix of element ids, so two lists can share a page. */
  idPrefix?: string;
  /** Shown instead of the suggestion's recognised text (a typed search shows what was typed). */
  queryLabel?: string;
  /** Index of the selected card, or -1. */
  selected: number;
  adoptedFaqIds: ReadonlySet<string>;
  newerWaiting: boolean;
  onShowNewer: () => void;
  onSelect: (index: number) => void;
  /** Absent where cards cannot be adopted (read-only views, a search outside a call). */
  onAdopt?: (card: FaqCandidate) => void;
  /** Absent in read-only views. */
  onCopy?: (card: FaqCandidate) => void;
  /** Extra controls in the header (e.g. back to the live suggestion). */
  actions?: ReactNode;
}

const ANSWER_PREVIEW = 110;

export function FaqCards(props: Props) {
  const { suggestion } = props;
  const prefix = props.idPrefix ?? 'faq';
  return (
    <section className="column cards" aria-labelledby={`${prefix}-cards-title`}>
      <div className="column-head">
        <h2 id={`${prefix}-cards-title`}>{props.title ?? '建議問答'}</h2>
        {props.actions}
        {/* Reserved slot: the notice never pushes the cards down. */}
        <span className="notice-slot">
          {props.newerWaiting && (
            <button type="button" className="newer" onClick={props.onShowNewer}>
              有新建議，點此更新
            </button>
          )}
        </span>
      </div>
      {suggestion && (
        <p className="suggestion-meta">
          {suggestion.speculative && <span className="badge speculative">預測中</span>}
          {suggestion.stale && (
            <span className="badge stale" role="status">
              知識庫已更新，此建議來自舊版本（v{suggestion.kbVersion}）
            </span>
          )}
          <span className="query" title="用於查詢的文字">
            「{props.queryLabel ?? suggestion.correctedText}」
          </span>
        </p>
      )}
      {!suggestion && <p className="empty">民眾說話後，相關問答會出現在這裡。</p>}
      {suggestion && suggestion.faqCandidates.length === 0 && <p className="empty">沒有找到相符的問答。</p>}
      <ol className="card-list">
        {suggestion?.faqCandidates.map((card, index) => (
          <FaqCard
            key={`${suggestion.utteranceId}:${card.faq_id}`}
            card={card}
            titleId={`${prefix}-${index}-title`}
            index={index}
            stale={suggestion.stale}
            selected={props.selected === index}
            adopted={props.adoptedFaqIds.has(card.faq_id)}
            onSelect={() => props.onSelect(index)}
            onAdopt={props.onAdopt && (() => props.onAdopt?.(card))}
            onCopy={props.onCopy && (() => props.onCopy?.(card))}
          />
        ))}
      </ol>
    </section>
  );
}

interface CardProps {
  card: FaqCandidate;
  titleId: string;
  index: number;
  stale: boolean;
  selected: boolean;
  adopted: boolean;
  onSelect: () => void;
  onAdopt: (() => void) | undefined;
  onCopy: (() => void) | undefined;
}

function FaqCard({ card, titleId, index, stale, selected, adopted, onSelect, onAdopt, onCopy }: CardProps) {
  const [expanded, setExpanded] = useState(false);
  const long = card.answer.length > ANSWER_PREVIEW;
  const answer = expanded || !long ? card.answer : `${card.answer.slice(0, ANSWER_PREVIEW)}…`;
  return (
    <li
      className={`card tier-${card.tier}${selected ? ' selected' : ''}${stale ? ' stale' : ''}${adopted ? ' adopted' : ''}`}
      data-faq={card.faq_id}
      aria-labelledby={titleId}
      tabIndex={-1}
      onFocus={onSelect}
      data-select-target={`card-${index}`}
    >
      <div className="card-head">
        <span className={`badge tier tier-${card.tier}`}>{tierLabel[card.tier]}</span>
        {/* Calibrated: how likely this card answers the caller (the score only ranks within a query). */}
        <span className="score" title="這張卡片回答民眾問題的可能性（校準後）">
          信心 {Math.round((card.confidence ?? card.score) * 100)}%
        </span>
        <span className="agency">{card.agency}</span>
        {adopted && <span className="badge adopted-badge">已採用</span>}
      </div>
      <h3 id={titleId} className="question">
        {highlight(card.question, card.matched ?? [])}
      </h3>
      {card.phrasing && (
        <p className="phrasing">
          <span className="label">相似問法</span>「{highlight(card.phrasing, card.matched ?? [])}」
        </p>
      )}
      <p className="answer">{highlight(answer, card.matched ?? [])}</p>
      <div className="card-actions">
        {long && (
          <button
            type="button"
            className="quiet"
            onClick={() => setExpanded(!expanded)}
            aria-expanded={expanded}
          >
            {expanded ? '收合' : '展開全文'}
          </button>
        )}
        {card.url && (
          <a href={card.url} target="_blank" rel="noopener noreferrer">
            來源頁面<span className="sr-only">（另開視窗）</span>
          </a>
        )}
        {onCopy && (
          <button type="button" onClick={onCopy}>
            複製答案
          </button>
        )}
        {onAdopt && (
          <button type="button" className="primary" onClick={onAdopt}>
            採用
          </button>
        )}
      </div>
    </li>
  );
}

/** Marks the matched terms (longest first, so a longer term wins over its part). */
export function highlight(text: string, terms: readonly string[]): ReactNode[] {
  const usable = [...new Set(terms.filter((t) => t.trim().length > 0))].sort((a, b) => b.length - a.length);
  if (usable.length === 0) return [text];
  const pattern = new RegExp(`(${usable.map(escapeRegExp).join('|')})`, 'g');
  return text.split(pattern).map((part, i) => (i % 2 === 1 ? <mark key={i}>{part}</mark> : part));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
