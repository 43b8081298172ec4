import { describe, expect, it } from 'vitest';
import { parseRecordingMetadata, speakersByLabel, splitMultipart } from './siprec.js';

const metadata = `<?xml version="1.0" encoding="UTF-8"?>
<recording xmlns='urn:ietf:params:xml:ns:recording:1'>
  <datamode>complete</datamode>
  <session session_id="s1"><sipSessionID>abc</sipSessionID></session>
  <participant participant_id="p1"><nameID aor="sip:0912345678@pstn"><name>市民</name></nameID></participant>
  <participant participant_id="p2"><nameID aor="sip:1002@pbx"/></participant>
  <stream stream_id="st1" session_id="s1"><label>10</label></stream>
  <stream stream_id="st2" session_id="s1"><label>20</label></stream>
  <participantstreamassoc participant_id="p1"><send>st1</send><recv>st2</recv></participantstreamassoc>
  <participantstreamassoc participant_id="p2"><send>st2</send><recv>st1</recv></participantstreamassoc>
</recording>`;

describe('SIPREC metadata (RFC 7865)', () => {
  it('reads participants, the streams each sends and the labels', () => {
    const parsed = parseRecordingMetadata(metadata);
    expect(parsed.sessionId).toBe('s1');
    expect(parsed.participants).toEqual([
      { id: 'p1', aor: 'sip:0912345678@pstn', name: '市民', sends: ['st1'] },
      { id: 'p2', aor: 'sip:1002@pbx', name: null, sends: ['st2'] },
    ]);
    expect([...parsed.streamsByLabel]).toEqual([
      ['10', 'st1'],
      ['20', 'st2'],
    ]);
  });

  it('maps labels to speakers: a mapped agent extension wins, else the second participant is the agent', () => {
    const parsed = parseRecordingMetadata(metadata);
    expect(speakersByLabel(parsed, ['20', '10'], () => false).map((s) => s.speaker)).toEqual([
      'agent',
      'caller',
    ]);
    // An extension map that names the first participant as the agent turns it around.
    expect(
      speakersByLabel(parsed, ['10', '20'], (user) => user === '0912345678').map((s) => s.speaker),
    ).toEqual(['agent', 'caller']);
    // Labels the metadata does not know fall back to m-line order.
    expect(speakersByLabel(null, ['1', '2'], () => false).map((s) => s.speaker)).toEqual(['caller', 'agent']);
  });

  it('refuses XML that is not a recording, and splits multipart bodies by their boundary', () => {
    expect(() => parseRecordingMetadata('<html/>')).toThrow(/no <recording>/);
    const parts = splitMultipart(
      'multipart/mixed;boundary="b1"',
      Buffer.from(
        'preamble\r\n--b1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--b1\r\nContent-Type: application/rs-metadata+xml\r\n\r\n<recording/>\r\n--b1--\r\n',
      ),
    );
    expect(parts).toEqual([
      { contentType: 'application/sdp', body: 'v=0' },
      { contentType: 'application/rs-metadata+xml', body: '<recording/>' },
    ]);
  });
});
