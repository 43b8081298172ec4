export { CallSession, type CallServices, type CallSummary, type CallState } from './call-session.js';
export { CallSessionManager, CallError, type AlertRecord } from './session-manager.js';
export { CallEventLog, type EventSubscriber } from './event-log.js';
export type { CallRecorder, CallStartInfo, UtteranceAudio } from './recorder.js';
