import { useEffect, useState } from 'react';
import { errorMessage, formatDuration, speakerLabel } from '../labels.js';
import type { LinkReason, LinkState } from '../net/callFollower.js';
import type { CallState } from '../state/callState.js';

interface Props {
  caseId: string;
  state: CallState;
  link: LinkState;
  linkReason: LinkReason | null;
  /** Extra status (e.g. the replay progress). */
  audioStatus: string | null;
  /** The call runs without speech recognition. */
  noSpeechText: boolean;
  readOnly: boolean;
  /** Present when this desktop carries the call's audio: ends the call. */
  onHangUp?: () => void;
  /** Present while the wrap-up can be opened. */
  onWrapUp?: () => void;
  onLeave: () => void;
}

/** What the call bar says about the link to the call (zh-TW). */
function linkText(link: LinkState, reason: LinkReason | null): string {
  if (link === 'reconnecting' && reason === 'server_restart')
    return '伺服器重新啟動中，恢復後通話會自動接續…';
  if (link === 'failed') return `無法跟隨這通電話：${errorMessage(reason ?? 'network')}`;
  return { connecting: '連線中…', open: '已連線', reconnecting: '連線中斷，重新連線中…', closed: '' }[link];
}

function statusText(state: CallState): string {
  switch (state.status) {
    case 'waiting':
      return '等待通話開始';
    case 'live':
      return '通話中';
    case 'interrupted':
      return '伺服器已停止，通話暫停';
    case 'ended':
      return state.closedReason === 'timeout' ? '通話已中斷（逾時）' : '通話已結束';
  }
}

/** The bar above a call: case number, status, duration, who is speaking, the link, errors, actions. */
export function CallBar({
  caseId,
  state,
  link,
  linkReason,
  audioStatus,
  noSpeechText,
  readOnly,
  onHangUp,
  onWrapUp,
  onLeave,
}: Props) {
  const ended = state.status === 'ended';
  const now = useNow(state.status === 'live' || state.status === 'interrupted');
  const duration = state.startedAt ? (state.endedAt ?? now) - state.startedAt : 0;
  return (
    <div className="callbar" role="region" aria-label="通話狀態">
      <span className="case-id" data-case-id={caseId} title={`內部編號 ${caseId}`}>
        案號 <strong>{state.caseNo ?? caseId}</strong>
      </span>
      <span className={`call-status ${state.status}`}>{statusText(state)}</span>
      <span className="duration" aria-label="通話時間">
        {formatDuration(duration)}
      </span>
      <span className="speech" aria-live="polite">
        {(['caller', 'agent'] as const).map((speaker) => (
          <span key={speaker} className={`vu ${state.speaking[speaker] ? 'on' : ''}`}>
            <span className="dot" aria-hidden="true" />
            {speakerLabel[speaker]}
            {state.speaking[speaker] ? '說話中' : ''}
          </span>
        ))}
      </span>
      <span className={`link link-${ended ? 'closed' : link}`} role="status">
        {ended ? '' : linkText(link, linkReason)}
      </span>
      {audioStatus && <span className="audio-status">{audioStatus}</span>}
      {state.errors.length > 0 && (
        <span
          className="call-error"
          title={[...new Set(state.errors.map((e) => errorMessage(e.code)))].join('\n')}
        >
          {noSpeechText
            ? '未設定語音辨識模型'
            : errorMessage(state.errors[state.errors.length - 1]?.code ?? '')}
        </span>
      )}
      {state.alerts.length > 0 && (
        <span
          className={`badge level-${state.alerts.some((a) => a.level === 'critical') ? 'critical' : 'warning'}`}
        >
          警示 {state.alerts.length}
        </span>
      )}
      <span className="spacer" />
      {readOnly && <span className="badge">唯讀監看</span>}
      {onHangUp && !ended && (
        <button type="button" className="danger" onClick={onHangUp}>
          結束通話
        </button>
      )}
      {onWrapUp && (!onHangUp || state.status === 'interrupted') && (
        <button type="button" onClick={onWrapUp}>
          整理結案
        </button>
      )}
      {(readOnly || ended) && (
        <button type="button" className="quiet" onClick={onLeave}>
          返回
        </button>
      )}
    </div>
  );
}

/** The current time, ticking every second while `running`. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [running]);
  return now;
}
