/** Follows a call: the reducer's state plus the socket's link state and a way to send feedback. */
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { FeedbackMessage } from '../../../src/protocol/index.js';
import { CallFollower, type LinkReason, type LinkState } from '../net/callFollower.js';
import { callReducer } from './callReducer.js';
import { initialCallState, type CallState } from './callState.js';

export type Feedback = Omit<FeedbackMessage, 'type' | 'case_id'>;

export interface FollowedCall {
  state: CallState;
  link: LinkState;
  /** Why the link is in its state (a server error code, or `server_restart`). */
  linkReason: LinkReason | null;
  sendFeedback: (feedback: Feedback) => void;
  undoCorrection: (utteranceId: string, editIndex: number, verified: string) => void;
}

/** How long a `seq` gap may stay open before asking the server to replay (events can race). */
const GAP_GRACE_MS = 500;

export function useCall(caseId: string, token: string): FollowedCall {
  const [state, dispatch] = useReducer(callReducer, caseId, initialCallState);
  const [link, setLink] = useState<LinkState>('connecting');
  const [linkReason, setLinkReason] = useState<LinkReason | null>(null);
  const lastSeq = useRef(0);
  lastSeq.current = state.lastSeq;
  const runTs = useRef<number | null>(null);
  runTs.current = state.runTs;
  const follower = useRef<CallFollower | null>(null);

  useEffect(() => {
    dispatch({ type: 'reset', caseId });
    lastSeq.current = 0;
    runTs.current = null;
    const f = new CallFollower({
      caseId,
      token,
      lastSeq: () => lastSeq.current,
      runTs: () => runTs.current,
      onEvents: (events) => dispatch({ type: 'events', events }),
      onLink: (next, reason) => {
        setLink(next);
        setLinkReason(reason ?? null);
      },
    });
    follower.current = f;
    return () => {
      f.close();
      follower.current = null;
    };
  }, [caseId, token]);

  useEffect(() => {
    if (!state.gap) return;
    const timer = setTimeout(() => follower.current?.resume(), GAP_GRACE_MS);
    return () => clearTimeout(timer);
  }, [state.gap]);

  const sendFeedback = useCallback(
    (feedback: Feedback) => follower.current?.send({ type: 'feedback', case_id: caseId, ...feedback }),
    [caseId],
  );
  const undoCorrection = useCallback(
    (utteranceId: string, editIndex: number, verified: string) => {
      dispatch({ type: 'undo_correction', utteranceId, editIndex });
      follower.current?.send({
        type: 'feedback',
        case_id: caseId,
        action: 'undo_correction',
        utterance_id: utteranceId,
        text: verified,
      });
    },
    [caseId],
  );
  return { state, link, linkReason, sendFeedback, undoCorrection };
}
