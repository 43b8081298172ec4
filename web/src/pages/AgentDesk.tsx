import { useEffect, useRef, useState, type FormEvent } from 'react';
import { CallStream, StreamRefused, type StreamLink } from '../audio/callStream.js';
import { decodeRecording, replayRecording, startMicrophone, type AudioSource } from '../audio/sources.js';
import { CallView } from '../components/CallView.js';
import { FaqCards } from '../components/FaqCards.js';
import {
  SearchBox,
  typedSuggestion,
  useKnowledgeSearch,
  type TypedQuery,
} from '../components/KnowledgeSearch.js';
import { ReplyPanel } from '../components/ReplyPanel.js';
import { useCallList } from '../components/useCallList.js';
import { copyText } from '../clipboard.js';
import { errorMessage, formatClock } from '../labels.js';
import type { UserSession } from '../net/session.js';
import { ErrorLine } from '../components/ErrorLine.js';

/** What the softphone leg's state means for the agent (zh-TW), shown in the call bar. */
const legText: Record<StreamLink, string | null> = {
  open: null,
  reconnecting: '音訊連線中斷，正在重新連線（恢復後自動接續同一案件）…',
  closed: null,
  failed: '音訊無法恢復，請結束通話後重新撥打',
};

interface ActiveCall {
  caseId: string;
  /** This desktop carries the call's audio (softphone demo). */
  stream: CallStream | null;
  source: AudioSource | null;
}

export function AgentDesk({ session }: { session: UserSession }) {
  const [active, setActive] = useState<ActiveCall | null>(null);
  const [audioStatus, setAudioStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [legStatus, setLegStatus] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const { calls } = useCallList(session.token, active === null);
  const search = useKnowledgeSearch(session.token);
  const [found, setFound] = useState<TypedQuery | null>(null);

  const hangUp = async (call: ActiveCall) => {
    await call.source?.stop();
    await call.stream?.end();
    setAudioStatus(null);
  };

  // Leaving the page ends a call this desktop carries.
  const activeRef = useRef(active);
  activeRef.current = active;
  useEffect(() => () => void (activeRef.current && hangUp(activeRef.current)), []);

  const begin = async (makeSource: (stream: CallStream) => Promise<AudioSource>, channels: 1 | 2 = 1) => {
    setBusy(true);
    setError(null);
    try {
      const stream = await CallStream.open({
        token: session.token,
        sampleRate: 16000,
        channels,
        agentId: session.user.id,
        onLink: (state) => setLegStatus(legText[state]),
      });
      const call: ActiveCall = { caseId: stream.caseId, stream, source: null };
      setActive(call);
      call.source = await makeSource(stream);
      // A replayed recording is the whole call: hang up when it ends.
      void call.source.done.then(() => stream.end()).then(() => setAudioStatus(null));
    } catch (err) {
      setError(`無法開始通話：${errorMessage(err instanceof StreamRefused ? err.code : 'network')}`);
    } finally {
      setBusy(false);
    }
  };

  const startReplay = async (event: FormEvent) => {
    event.preventDefault();
    const file = fileInput.current?.files?.[0];
    if (!file) return setError('請先選擇錄音檔');
    let recording;
    try {
      recording = await decodeRecording(await file.arrayBuffer());
    } catch {
      return setError('無法讀取這個錄音檔（請使用 WAV 等瀏覽器可解碼的格式）');
    }
    const total = recording.durationS.toFixed(1);
    await begin(async (stream) => {
      const started = performance.now();
      const source = replayRecording(recording, (pcm) => {
        stream.sendPcm(pcm);
        const at = Math.min(recording.durationS, (performance.now() - started) / 1000);
        setAudioStatus(`播放錄音 ${at.toFixed(1)} / ${total} 秒`);
      });
      return source;
    }, recording.channels);
  };

  const startMic = () =>
    begin(async (stream) => {
      setAudioStatus('麥克風收音中');
      return startMicrophone((pcm) => stream.sendPcm(pcm));
    });

  if (active) {
    return (
      <CallView
        key={active.caseId}
        caseId={active.caseId}
        session={session}
        readOnly={false}
        audioStatus={legStatus ?? audioStatus}
        onHangUp={active.stream ? () => void hangUp(active) : undefined}
        onLeave={() => {
          setActive(null);
          setLegStatus(null);
        }}
      />
    );
  }

  const live = calls.filter((c) => c.status === 'live');
  const foundView = found && typedSuggestion(found);
  return (
    <div className="desk-home">
      <section className="panel desk-search" aria-labelledby="search-title">
        <h2 id="search-title">知識庫查詢</h2>
        <p className="hint">不在通話中也可以查：輸入民眾的問題，看到與通話中相同的問答卡片和建議回覆。</p>
        <SearchBox
          onAsk={(text) => void search.ask(text).then((q) => q && setFound(q))}
          busy={search.busy}
          error={search.error}
        />
        {foundView && (
          <div className="search-results">
            <FaqCards
              suggestion={foundView}
              title="查詢結果"
              idPrefix="desk"
              queryLabel={`查詢：${foundView.correctedText}`}
              selected={-1}
              adoptedFaqIds={new Set()}
              newerWaiting={false}
              onShowNewer={() => {}}
              onSelect={() => {}}
              onCopy={(card) => void copyText(card.answer)}
            />
            <ReplyPanel
              reply={{
                utteranceId: foundView.utteranceId,
                script: foundView.replyScript,
                streaming: false,
                source: foundView.source,
                handoff: foundView.handoff,
              }}
              status={null}
              editedText={null}
              selected={false}
              idPrefix="desk-reply"
              onSelect={() => {}}
              actions={{ onCopy: () => void copyText(foundView.replyScript) }}
            />
          </div>
        )}
      </section>
      <section className="panel" aria-labelledby="softphone-title">
        <h2 id="softphone-title">示範軟體電話</h2>
        <p className="hint">在這台電腦上試用：以麥克風通話，或播放一段錄音當作來電。</p>
        <button type="button" className="primary" onClick={() => void startMic()} disabled={busy}>
          以麥克風開始通話
        </button>
        <form onSubmit={(e) => void startReplay(e)} className="replay">
          <label>
            選擇錄音檔（WAV）
            <input ref={fileInput} type="file" accept="audio/*,.wav" name="recording" />
          </label>
          <button type="submit" disabled={busy}>
            播放錄音作為來電
          </button>
        </form>
      </section>
      <section className="panel" aria-labelledby="live-title">
        <h2 id="live-title">進行中的通話</h2>
        {live.length === 0 && <p className="empty">目前沒有進行中的通話。</p>}
        <ul className="call-list">
          {live.map((c) => (
            <li key={c.case_id}>
              <span className="case-id" title={`內部編號 ${c.case_id}`}>
                {c.case_no ?? c.case_id}
              </span>
              <span className="at">{formatClock(c.started_at)} 開始</span>
              <span className="last">{c.last_utterance ?? ''}</span>
              <button
                type="button"
                onClick={() => setActive({ caseId: c.case_id, stream: null, source: null })}
              >
                跟隨此通話
              </button>
            </li>
          ))}
        </ul>
      </section>
      <ErrorLine error={error} />
    </div>
  );
}
