export { CallSession } from './call-session.js';
export type { CallServices, CallSummary, CallState } from './call-services.js';
export { CallSessionManager, CallError } from './session-manager.js';
export { CallEventLog, type EventSubscriber } from './event-log.js';
export {
  RecorderError,
  type CallRecorder,
  type CallStartInfo,
  type CallEndReason,
  type UtteranceAudio,
} from './recorder.js';
export {
  mayDriveCall,
  mayFollowCall,
  mayAnnotateCall,
  type CallOwnership,
  type CallAccessPolicy,
  type CallAccessAudit,
  type CallAccessEntry,
} from './access.js';
export type { CallCommand, CallDirectory, CallEnvelope } from './directory.js';
