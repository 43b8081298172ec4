import {
  toFeedback,
  toSegment,
  toSuggestion,
  toUtterance,
  type CaseDb,
  type FeedbackRow,
  type SegmentRow,
  type SuggestionRow,
  type UtteranceRow,
} from './case-rows.js';

/** What the training-data export reads: a fixed number of queries, whatever the number of rows. */
export interface CaseExportQueries {
  /** Utterances the agent verified, in cases started since `since`, with their audio segment. */
  verifiedUtterances(since: number): Promise<Array<{ utterance: UtteranceRow; segment: SegmentRow | null }>>;
  /** Adopted or edited suggestions since `since`. */
  adoptedReplies(
    since: number,
  ): Promise<
    Array<{ feedback: FeedbackRow; suggestion: SuggestionRow | null; utterance: UtteranceRow | null }>
  >;
}

/** Rows of one case's utterance: the key the export joins segments, suggestions and feedback on. */
const utteranceKey = (caseId: string, utteranceId: string) => `${caseId}\u0000${utteranceId}`;

export function caseExportQueries(db: CaseDb): CaseExportQueries {
  const verified = (since: number) =>
    db
      .selectFrom('case_utterances')
      .innerJoin('cases', 'cases.id', 'case_utterances.case_id')
      .where('case_utterances.verified', '=', 1)
      .where('cases.started_at', '>=', since);
  const adopted = (since: number) =>
    db
      .selectFrom('case_feedback')
      .innerJoin('cases', 'cases.id', 'case_feedback.case_id')
      .where('case_feedback.action', 'in', ['adopted', 'edited'])
      .where('cases.started_at', '>=', since);

  return {
    async verifiedUtterances(since) {
      const [utterances, segments] = await Promise.all([
        verified(since)
          .selectAll('case_utterances')
          .orderBy('case_utterances.case_id')
          .orderBy('case_utterances.start_ms')
          .execute(),
        // An utterance's audio is the segment with its id (cut by VAD as the utterance ended).
        verified(since)
          .innerJoin('case_segments', (j) =>
            j
              .onRef('case_segments.case_id', '=', 'case_utterances.case_id')
              .onRef('case_segments.segment_id', '=', 'case_utterances.utterance_id'),
          )
          .selectAll('case_segments')
          .execute(),
      ]);
      const segmentOf = new Map(segments.map((s) => [utteranceKey(s.case_id, s.segment_id), toSegment(s)]));
      return utterances.map((u) => ({
        utterance: toUtterance(u),
        segment: segmentOf.get(utteranceKey(u.case_id, u.utterance_id)) ?? null,
      }));
    },

    async adoptedReplies(since) {
      const [feedback, suggestions, utterances] = await Promise.all([
        adopted(since)
          .selectAll('case_feedback')
          .orderBy('case_feedback.case_id')
          .orderBy('case_feedback.ts')
          .execute(),
        adopted(since)
          .innerJoin('case_suggestions', (j) =>
            j
              .onRef('case_suggestions.case_id', '=', 'case_feedback.case_id')
              .onRef('case_suggestions.utterance_id', '=', 'case_feedback.utterance_id'),
          )
          .selectAll('case_suggestions')
          .execute(),
        adopted(since)
          .innerJoin('case_utterances', (j) =>
            j
              .onRef('case_utterances.case_id', '=', 'case_feedback.case_id')
              .onRef('case_utterances.utterance_id', '=', 'case_feedback.utterance_id'),
          )
          .selectAll('case_utterances')
          .execute(),
      ]);
      const suggestionOf = new Map(
        suggestions.map((s) => [utteranceKey(s.case_id, s.utterance_id), toSuggestion(s)]),
      );
      const utteranceOf = new Map(
        utterances.map((u) => [utteranceKey(u.case_id, u.utterance_id), toUtterance(u)]),
      );
      return feedback.map((f) => {
        const of = <T>(rows: Map<string, T>): T | null =>
          (f.utterance_id ? rows.get(utteranceKey(f.case_id, f.utterance_id)) : undefined) ?? null;
        return { feedback: toFeedback(f), suggestion: of(suggestionOf), utterance: of(utteranceOf) };
      });
    },
  };
}
