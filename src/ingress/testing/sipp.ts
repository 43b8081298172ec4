import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Whether Debian's `sip-tester` (sipp) is installed; tests that need it say why they skip. */
export const sippAvailable = spawnSync('sipp', ['-v'], { encoding: 'utf8' }).status !== null;

/** The sender a SIPREC scenario runs for its second stream (see rtp-send.mjs). */
export const rtpSendScript = fileURLToPath(new URL('./rtp-send.mjs', import.meta.url));

/** A UDP port nobody holds right now, even (RTP convention), for sipp's SIP and media sockets. */
export async function freeUdpPort(): Promise<number> {
  for (;;) {
    const socket = createSocket('udp4');
    const port = await new Promise<number>((resolve) =>
      socket.bind(0, '127.0.0.1', () => resolve(socket.address().port)),
    );
    socket.close();
    if (port % 2 === 0 && port < 65000) return port;
  }
}

export interface SippRun {
  code: number | null;
  stdout: string;
  stderr: string;
  errors: string;
}

/**
 * Runs one sipp call of `scenario` (XML text) against 127.0.0.1:`port`. `transport` u1 = UDP,
 * t1 = TCP. sipp's own error log comes back in `errors`.
 */
export async function runSipp(
  dir: string,
  name: string,
  scenario: string,
  port: number,
  transport: 'u1' | 't1' = 'u1',
  timeoutS = 60,
): Promise<SippRun> {
  const file = join(dir, `${name}.xml`);
  writeFileSync(file, scenario);
  const errorFile = join(dir, `${name}-errors.log`);
  const localPort = await freeUdpPort();
  const mediaPort = await freeUdpPort();
  const args = [
    `127.0.0.1:${port}`,
    '-sf',
    file,
    '-m',
    '1',
    '-i',
    '127.0.0.1',
    '-p',
    String(localPort),
    '-mi',
    '127.0.0.1',
    '-mp',
    String(mediaPort),
    '-t',
    transport,
    '-timeout',
    `${timeoutS}s`,
    '-timeout_error',
    '-nostdin',
    '-trace_err',
    '-error_file',
    errorFile,
  ];
  return new Promise((resolve) => {
    const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      const errors = existsSync(errorFile) ? readFileSync(errorFile, 'utf8') : '';
      resolve({ code, stdout: stdout.slice(-4000), stderr, errors });
    });
  });
}

/** Common INVITE head: sipp fills the bracketed keywords. */
function inviteHead(opts: { branch: string; to: string; extra?: string[] }): string {
  return [
    `INVITE sip:${opts.to}@[remote_ip]:[remote_port];transport=[transport] SIP/2.0`,
    `Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=${opts.branch};rport`,
    'From: "Caller" <sip:0912345678@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]',
    `To: <sip:${opts.to}@[remote_ip]:[remote_port]>`,
    'Call-ID: [call_id]',
    'CSeq: 1 INVITE',
    'Contact: <sip:caller@[local_ip]:[local_port];transport=[transport]>',
    'Max-Forwards: 70',
    ...(opts.extra ?? []),
  ].join('\n');
}

const sdpOffer = (direction: string, version = 1) =>
  [
    'v=0',
    `o=sipp 1 ${version} IN IP[local_ip_type] [local_ip]`,
    's=-',
    'c=IN IP[media_ip_type] [media_ip]',
    't=0 0',
    'm=audio [media_port] RTP/AVP 0 8 101',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    `a=${direction}`,
  ].join('\n');

const inDialog = (method: string, cseq: number, extra: string[] = []) =>
  [
    `${method} sip:hotline@[remote_ip]:[remote_port];transport=[transport] SIP/2.0`,
    'Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport',
    'From: "Caller" <sip:0912345678@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]',
    'To: <sip:1001@[remote_ip]:[remote_port]>[peer_tag_param]',
    'Call-ID: [call_id]',
    `CSeq: ${cseq} ${method}`,
    'Contact: <sip:caller@[local_ip]:[local_port];transport=[transport]>',
    'Max-Forwards: 70',
    ...extra,
  ].join('\n');

const send = (message: string, body = '', retrans = true) =>
  `  <send${retrans ? ' retrans="500"' : ''}><![CDATA[\n${message}\n${
    body ? 'Content-Type: application/sdp\n' : ''
  }Content-Length: [len]\n\n${body}\n]]></send>`;

const ack = (cseq: number) => send(inDialog('ACK', cseq), '', false);
const recvOk = `  <recv response="100" optional="true"/>\n  <recv response="180" optional="true"/>\n  <recv response="200" rtd="true"/>`;
const play = (pcap: string) => `  <nop><action><exec play_pcap_audio="${pcap}"/></action></nop>`;
const pause = (ms: number) => `  <pause milliseconds="${ms}"/>`;
const bye = (cseq: number) => `${send(inDialog('BYE', cseq))}\n  <recv response="200" crlf="true"/>`;
const scenario = (name: string, steps: string[]) =>
  `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="${name}">\n${steps.join('\n')}\n</scenario>\n`;

export interface CallHeaders {
  caseId: string;
  agentId?: string;
}

const callHeaders = (h: CallHeaders) => [
  `X-Case-Id: ${h.caseId}`,
  ...(h.agentId ? [`X-Agent-Id: ${h.agentId}`] : []),
];

/** INVITE offering PCMU/PCMA to extension 1001, answered and ACKed. */
const answeredCall = (h: CallHeaders) => [
  send(inviteHead({ branch: '[branch]', to: '1001', extra: callHeaders(h) }), sdpOffer('sendrecv')),
  recvOk,
  ack(1),
];

/** INVITE with PCMU offered, RTP played from a pcap, BYE from the caller. */
export function plainCallScenario(h: CallHeaders, pcap: string, audioMs: number): string {
  return scenario('plain call', [...answeredCall(h), play(pcap), pause(audioMs + 600), bye(2)]);
}

/** The caller plays its audio and then waits: the product hangs up (BYE) when RTP stops. */
export function serverHangsUpScenario(h: CallHeaders, pcap: string): string {
  return scenario('server hangs up', [
    ...answeredCall(h),
    play(pcap),
    '  <recv request="BYE" timeout="30000"/>',
    `  <send><![CDATA[\nSIP/2.0 200 OK\n[last_Via:]\n[last_From:]\n[last_To:]\n[last_Call-ID:]\n[last_CSeq:]\nContent-Length: 0\n\n]]></send>`,
  ]);
}

/** Audio, hold (re-INVITE inactive) for `holdMs`, resume (re-INVITE sendrecv), more audio, BYE. */
export function holdScenario(
  h: CallHeaders,
  before: string,
  beforeMs: number,
  after: string,
  afterMs: number,
  holdMs: number,
): string {
  return scenario('re-INVITE hold', [
    ...answeredCall(h),
    play(before),
    pause(beforeMs + 300),
    send(inDialog('INVITE', 2), sdpOffer('inactive', 2)),
    '  <recv response="100" optional="true"/>',
    '  <recv response="200"/>',
    ack(2),
    pause(holdMs),
    send(inDialog('INVITE', 3), sdpOffer('sendrecv', 3)),
    '  <recv response="100" optional="true"/>',
    '  <recv response="200"/>',
    ack(3),
    play(after),
    pause(afterMs + 600),
    bye(4),
  ]);
}

/** INVITE, then CANCEL while the product is still ringing: 200 for the CANCEL, 487 for the INVITE. */
export function cancelScenario(h: CallHeaders): string {
  const branch = 'z9hG4bK[pid]-[call_number]-invite';
  // CANCEL and the ACK for the 487 belong to the INVITE's transaction: same branch, same CSeq number.
  const sameTransaction = (method: string, toTag: string) =>
    [
      `${method} sip:1001@[remote_ip]:[remote_port];transport=[transport] SIP/2.0`,
      `Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=${branch};rport`,
      'From: "Caller" <sip:0912345678@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]',
      `To: <sip:1001@[remote_ip]:[remote_port]>${toTag}`,
      'Call-ID: [call_id]',
      `CSeq: 1 ${method}`,
      'Max-Forwards: 70',
    ].join('\n');
  const cancel = sameTransaction('CANCEL', '');
  const ack487 = sameTransaction('ACK', '[peer_tag_param]');
  return scenario('cancel', [
    send(inviteHead({ branch, to: '1001', extra: callHeaders(h) }), sdpOffer('sendrecv')),
    '  <recv response="100" optional="true"/>',
    '  <recv response="180"/>',
    send(cancel),
    '  <recv response="200"/>',
    '  <recv response="487"/>',
    send(ack487, '', false),
    pause(200),
  ]);
}

export interface SiprecParticipant {
  id: string;
  aor: string;
  name: string;
  streamId: string;
}

/** RFC 7865 metadata: participants, the streams each sends, one per SDP label. */
export function recordingMetadata(
  sessionId: string,
  participants: Array<SiprecParticipant & { label: string }>,
): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<recording xmlns="urn:ietf:params:xml:ns:recording:1">',
    '  <datamode>complete</datamode>',
    `  <session session_id="${sessionId}"><sipSessionID>cs-[call_id]</sipSessionID></session>`,
    ...participants.map(
      (p) =>
        `  <participant participant_id="${p.id}"><nameID aor="${p.aor}"><name xml:lang="zh">${p.name}</name></nameID></participant>`,
    ),
    ...participants.map(
      (p) =>
        `  <stream stream_id="${p.streamId}" session_id="${sessionId}"><label>${p.label}</label></stream>`,
    ),
    ...participants.map(
      (p) =>
        `  <participantstreamassoc participant_id="${p.id}"><send>${p.streamId}</send></participantstreamassoc>`,
    ),
    '</recording>',
  ].join('\n');
}

/**
 * SIPREC: multipart INVITE (SDP with two labelled sendonly streams + rs-metadata). sipp plays
 * `firstPcap` to the answer's first m-line; `secondPcap` goes to the second from rtp-send.mjs.
 */
export function siprecScenario(
  h: CallHeaders,
  metadata: string,
  firstPcap: string,
  secondPcap: string,
  audioMs: number,
): string {
  const sdp = [
    'v=0',
    'o=sbc 1 1 IN IP[local_ip_type] [local_ip]',
    's=SIPREC',
    'c=IN IP[media_ip_type] [media_ip]',
    't=0 0',
    'm=audio [media_port] RTP/AVP 0 101',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=label:1',
    'a=sendonly',
    'm=audio [media_port] RTP/AVP 0 101',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=label:2',
    'a=sendonly',
  ].join('\n');
  const body = [
    '--hotline-siprec',
    'Content-Type: application/sdp',
    '',
    sdp,
    '--hotline-siprec',
    'Content-Type: application/rs-metadata+xml',
    'Content-Disposition: recording-session',
    '',
    metadata,
    '--hotline-siprec--',
  ].join('\n');
  const invite = [
    inviteHead({
      branch: '[branch]',
      to: 'srs',
      extra: [...callHeaders(h), 'Require: siprec', 'Supported: siprec'],
    }).replace(
      'Contact: <sip:caller@[local_ip]:[local_port];transport=[transport]>',
      'Contact: <sip:sbc@[local_ip]:[local_port];transport=[transport]>;+sip.src',
    ),
    'Content-Type: multipart/mixed;boundary=hotline-siprec',
    'Content-Length: [len]',
    '',
    body,
  ].join('\n');
  return scenario('siprec', [
    `  <send retrans="500"><![CDATA[\n${invite}\n]]></send>`,
    '  <recv response="100" optional="true"/>',
    '  <recv response="180" optional="true"/>',
    '  <recv response="200" rtd="true">',
    '    <action><ereg regexp="m=audio ([0-9]+).*m=audio ([0-9]+)" search_in="body" check_it="true" assign_to="answer,first,second"/></action>',
    '  </recv>',
    send(inDialog('ACK', 1).replace('To: <sip:1001@', 'To: <sip:srs@'), '', false),
    play(firstPcap),
    `  <nop><action><exec command="node ${rtpSendScript} [$second] ${secondPcap} # [$answer] [$first]"/></action></nop>`,
    pause(audioMs + 1500),
    send(inDialog('BYE', 2).replace('To: <sip:1001@', 'To: <sip:srs@')),
    '  <recv response="200" crlf="true"/>',
  ]);
}

/** A datagram that is no SIP at all, then a request missing its Call-ID. */
export const malformedRequest = [
  'OPTIONS sip:hotline@127.0.0.1 SIP/2.0',
  'Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKbad1',
  'From: <sip:probe@127.0.0.1>;tag=1',
  'To: <sip:hotline@127.0.0.1>',
  'CSeq: 1 OPTIONS',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');
