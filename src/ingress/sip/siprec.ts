import { XMLParser } from 'fast-xml-parser';
import type { Speaker } from '../../protocol/index.js';
import { uriUser } from './message.js';

/** One body part of a multipart/mixed SIP body (RFC 5621). */
export interface BodyPart {
  contentType: string;
  body: string;
}

export class MultipartError extends Error {}

/** The media type of a Content-Type value, lower case, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Splits a multipart/mixed body by the boundary of its Content-Type. */
export function splitMultipart(contentType: string, body: Buffer): BodyPart[] {
  const boundary = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!boundary) throw new MultipartError('multipart body without a boundary parameter');
  const marker = `--${boundary[1] ?? boundary[2]}`;
  const text = body.toString('utf8');
  const parts: BodyPart[] = [];
  const chunks = text.split(marker);
  // chunks[0] is the preamble; the part after the closing `--boundary--` is the epilogue.
  for (const chunk of chunks.slice(1)) {
    if (chunk.startsWith('--')) break;
    const content = chunk.replace(/^\r?\n/, '');
    const split = content.search(/\r?\n\r?\n/);
    if (split < 0) throw new MultipartError('a body part without headers');
    const head = content.slice(0, split);
    const partBody = content
      .slice(split)
      .replace(/^\r?\n\r?\n/, '')
      .replace(/\r?\n$/, '');
    const type = /^content-type\s*:\s*(.+)$/im.exec(head)?.[1]?.trim() ?? 'text/plain';
    parts.push({ contentType: type, body: partBody });
  }
  if (parts.length === 0) throw new MultipartError('multipart body with no parts');
  return parts;
}

export interface RecordingParticipant {
  id: string;
  aor: string | null;
  name: string | null;
  /** Stream ids this participant sends. */
  sends: string[];
}

/** RFC 7865 recording metadata, as far as the product needs it. */
export interface RecordingMetadata {
  sessionId: string | null;
  participants: RecordingParticipant[];
  /** SDP label → stream id. */
  streamsByLabel: Map<string, string>;
}

export class MetadataError extends Error {}

const ARRAYS = new Set(['participant', 'stream', 'participantstreamassoc', 'send', 'nameID', 'session']);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  isArray: (name) => ARRAYS.has(name),
  processEntities: true,
  parseTagValue: false,
});

type Node = Record<string, unknown>;
const nodes = (value: unknown): Node[] => (Array.isArray(value) ? (value as Node[]) : []);
const text = (value: unknown): string | null => {
  if (typeof value === 'string') return value.trim() || null;
  if (value && typeof value === 'object' && '#text' in value) return text((value as Node)['#text']);
  return null;
};

/** Parses `application/rs-metadata+xml` (RFC 7865 §6). */
export function parseRecordingMetadata(xml: string): RecordingMetadata {
  let doc: Node;
  try {
    doc = parser.parse(xml, true) as Node;
  } catch (err) {
    throw new MetadataError(`rs-metadata is not well-formed XML: ${(err as Error).message}`);
  }
  const recording = doc.recording as Node | undefined;
  if (!recording || typeof recording !== 'object')
    throw new MetadataError('rs-metadata has no <recording> root');
  const sends = new Map<string, string[]>();
  for (const assoc of nodes(recording.participantstreamassoc)) {
    const id = String(assoc['@participant_id'] ?? '');
    sends.set(
      id,
      nodes(assoc.send)
        .map(text)
        .filter((s): s is string => s !== null),
    );
  }
  // Older SBCs put <send> inside <participant> (RFC 7865 drafts).
  const participants = nodes(recording.participant).map((p) => {
    const id = String(p['@participant_id'] ?? '');
    const nameId = nodes(p.nameID)[0] ?? (p.nameId as Node | undefined);
    return {
      id,
      aor: nameId ? (text(nameId['@aor']) ?? null) : null,
      name: nameId ? text(nameId.name) : null,
      sends: [
        ...(sends.get(id) ?? []),
        ...nodes(p.send)
          .map(text)
          .filter((s): s is string => s !== null),
      ],
    };
  });
  const streamsByLabel = new Map<string, string>();
  for (const stream of nodes(recording.stream)) {
    const label = text(stream.label);
    const id = text(stream['@stream_id']);
    if (label !== null && id !== null) streamsByLabel.set(label, id);
  }
  const session = nodes(recording.session)[0];
  return {
    sessionId: session ? text(session['@session_id']) : null,
    participants,
    streamsByLabel,
  };
}

export interface StreamSpeaker {
  speaker: Speaker;
  participant: RecordingParticipant | null;
}

/**
 * Who speaks on each labelled stream. The agent is the participant whose AoR user is a mapped
 * agent extension; without one, the first participant (the communication session's caller) is the
 * caller and the other the agent, as SBCs list them. Streams no participant sends fall back to
 * m-line order (first caller, then agent).
 */
export function speakersByLabel(
  metadata: RecordingMetadata | null,
  labels: ReadonlyArray<string | null>,
  isAgentExtension: (user: string) => boolean,
): StreamSpeaker[] {
  const participants = metadata?.participants ?? [];
  const agent =
    participants.find((p) => {
      const user = p.aor ? uriUser(p.aor) : null;
      return user !== null && isAgentExtension(user);
    }) ?? participants[1];
  return labels.map((label, i) => {
    const streamId = label !== null ? metadata?.streamsByLabel.get(label) : undefined;
    const sender = streamId ? participants.find((p) => p.sends.includes(streamId)) : undefined;
    if (!sender) return { speaker: i === 0 ? 'caller' : 'agent', participant: null };
    return { speaker: sender === agent ? 'agent' : 'caller', participant: sender };
  });
}
