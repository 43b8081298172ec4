import type { ConversationRepository } from '../store/index.js';
import type { Redactor } from './redaction.js';

/**
 * Text-channel conversations as they are stored: every turn redacted for the archive (ID numbers,
 * personal phone numbers, addresses… the text stage decides) before it reaches the database, so
 * the history is no more personal than the archive's corrected transcript. The live answer is
 * computed from the unredacted question; only what is kept is redacted.
 */
export function privateConversations(
  repository: ConversationRepository,
  redact: Redactor,
): ConversationRepository {
  return {
    ...repository,
    append: (id, turns, now) =>
      repository.append(
        id,
        turns.map((t) => ({ ...t, text: redact(t.text, 'archive').text })),
        now,
      ),
  };
}
