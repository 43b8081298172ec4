import { hotlineTransferTo, type AgencyDirectory } from './contacts.js';
import type { AgencyContact, AgencyGuess, FaqEntry } from './types.js';

export interface HandoffInput {
  /** An agency the request named: it decides. */
  requested?: string | undefined;
  /** The ranked entries with their calibrated confidence, best first. */
  cards: ReadonlyArray<{ entry: FaqEntry; confidence: number }>;
  /** The router's agency guesses, best first. */
  guesses: readonly AgencyGuess[];
}

/**
 * Whom a question the KB cannot answer goes to: the responsible agency, weighing the router's guess
 * over the caller's words against the agencies of the cards shown (by their confidence), reached
 * through the unit that maintains the best such card when there is one. The caller is already on
 * the 1999 line, so 1999 itself is never the target: an agency the contact list lacks is reached by
 * a transfer inside 1999. Null only when nothing points anywhere (an empty KB).
 */
export function chooseHandoff(directory: AgencyDirectory, input: HandoffInput): AgencyContact | null {
  if (input.requested) return directory.find(input.requested) ?? hotlineTransferTo(input.requested);
  const votes = new Map<string, number>();
  for (const g of input.guesses) votes.set(g.agency, (votes.get(g.agency) ?? 0) + g.confidence);
  for (const c of input.cards) {
    if (c.entry.agency) votes.set(c.entry.agency, (votes.get(c.entry.agency) ?? 0) + c.confidence);
  }
  let agency: string | null = null;
  let best = 0;
  for (const [name, weight] of votes) {
    if (weight > best) {
      best = weight;
      agency = name;
    }
  }
  if (!agency) return null;
  const card = input.cards.find((c) => c.entry.agency === agency);
  if (card) {
    const unit = card.entry.maintainer?.trim() || agency;
    return directory.forEntry(card.entry) ?? hotlineTransferTo(unit);
  }
  return directory.find(agency) ?? hotlineTransferTo(agency);
}
