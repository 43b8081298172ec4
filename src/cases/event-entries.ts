import { archivedActionOf, type ServerEvent } from '../protocol/index.js';
import type { JournalEntry } from './journal.js';
import type { Redactor } from './redaction.js';

type FeedbackEntry = Extract<JournalEntry, { t: 'feedback' }>;

/**
 * The journal item an event of the call's stream is archived as: final text (raw, corrected,
 * archive-redacted), the suggestion shown, agent feedback and alert steps. Null for what is not
 * archived as an item (partials, speech events, speculative suggestions…).
 */
export function journalEntryFor(event: ServerEvent, redact: Redactor): JournalEntry | null {
  const at = event.ts;
  const caseId = event.case_id;
  /** Agent feedback and alert steps are all archived as feedback rows, one per event. */
  const feedback = (fields: Omit<FeedbackEntry, 't' | 'caseId' | 'feedbackId' | 'at'>): FeedbackEntry => ({
    t: 'feedback',
    caseId,
    feedbackId: `ws-${event.seq}`,
    ...fields,
    at,
  });
  switch (event.type) {
    case 'final':
      return {
        t: 'utterance',
        caseId,
        utteranceId: event.utterance_id,
        speaker: event.speaker,
        channel: event.channel,
        startMs: event.start_ms,
        endMs: event.end_ms,
        rawText: event.text,
        correctedText: event.corrected_text,
        redactedText: redact(event.corrected_text, 'archive').text,
        edits: event.edits,
        at,
      };
    case 'suggestion':
      if (event.speculative) return null;
      return {
        t: 'suggestion',
        caseId,
        utteranceId: event.utterance_id,
        kbVersion: event.kb_version,
        faqIds: event.faq_candidates.map((f) => f.faq_id),
        citedFaqIds: event.cited_faq_ids,
        replyScript: event.reply_script,
        tier: event.tier,
        source: event.source,
        at,
      };
    case 'feedback':
      return feedback({
        utteranceId: event.utterance_id ?? null,
        action: archivedActionOf[event.action],
        faqId: event.faq_id ?? null,
        text: event.text ?? null,
        by: event.by,
      });
    case 'alert':
      return feedback({
        utteranceId: event.utterance_id,
        action: `alert_${event.level}`,
        faqId: null,
        text: `${event.reason}（${event.category}，${event.protocol}）`,
        by: null,
      });
    case 'alert_action':
      return feedback({
        utteranceId: null,
        action: `alert_${event.action}`,
        faqId: null,
        // Which alert, and the note (the outcome) if any.
        text: `#${event.alert_seq}${event.note ? ` ${event.note}` : ''}`,
        by: event.by,
      });
    default:
      return null;
  }
}
