/**
 * The feedback vocabulary, one place for server and desktop: the agent's verbs on the desktop
 * socket, the past-tense verdicts a case record keeps, and the two verdicts retrieval learns from.
 */

/** What an agent does with a suggestion or the transcript (`feedback` messages on the desktop socket). */
export const feedbackActions = ['adopt', 'edit', 'reject', 'copy', 'undo_correction', 'annotate'] as const;
export type FeedbackAction = (typeof feedbackActions)[number];

/** A suggestion's verdict as the case record (`POST /api/case/record` `actions`) keeps it. */
export const suggestionVerdicts = ['adopted', 'edited', 'rejected'] as const;
export type SuggestionVerdict = (typeof suggestionVerdicts)[number];

/** What retrieval learns from (`POST /api/feedback`): an edited adoption is still an adoption. */
export const learnedVerdicts = ['adopted', 'rejected'] as const;
export type LearnedVerdict = (typeof learnedVerdicts)[number];

/** A suggestion verb's verdict. */
export const verdictOf = {
  adopt: 'adopted',
  edit: 'edited',
  reject: 'rejected',
} as const satisfies Partial<Record<FeedbackAction, SuggestionVerdict>>;

/** A suggestion verb's lesson for retrieval; the other verbs teach nothing. */
export const learnedVerdictOf: Partial<Record<FeedbackAction, LearnedVerdict>> = {
  adopt: 'adopted',
  edit: 'adopted',
  reject: 'rejected',
};

/** How each verb is written into the call's archived feedback rows. */
export const archivedActionOf: Record<FeedbackAction, string> = {
  ...verdictOf,
  copy: 'copied',
  undo_correction: 'undo_correction',
  annotate: 'annotation',
};
