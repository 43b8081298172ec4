import { open, type FileHandle } from 'node:fs/promises';

/**
 * Reads what sherpa-onnx will ask of an ONNX file — its custom metadata and the graph's input and
 * output names — without loading the weights: the protobuf is walked field by field and large
 * fields (tensors, nodes) are skipped by their length. sherpa-onnx ends the whole process
 * (`SHERPA_ONNX_EXIT`) when a metadata key it needs is missing, so these are checked here first.
 * Field numbers follow onnx/onnx.proto (ModelProto, GraphProto, TensorProto, ValueInfoProto).
 */
export interface OnnxSummary {
  /** `metadata_props`: what sherpa-onnx reads with LookupCustomModelMetaData. */
  metadata: Map<string, string>;
  /** Graph inputs that are not initializers: what onnxruntime feeds (in order). */
  inputs: string[];
  outputs: string[];
}

export class OnnxFormatError extends Error {}

const WINDOW = 4096;

/** Positional reads through a small window, so walking a 300 MB model reads a few MB of it. */
class ByteSource {
  private window = Buffer.alloc(0);
  private windowStart = 0;

  constructor(
    private readonly file: FileHandle,
    readonly size: number,
  ) {}

  async bytes(pos: number, length: number): Promise<Buffer> {
    if (pos < 0 || pos + length > this.size) throw new OnnxFormatError('is truncated or not an ONNX model');
    const end = this.windowStart + this.window.length;
    if (pos < this.windowStart || pos + length > end) {
      const buffer = Buffer.alloc(Math.min(Math.max(length, WINDOW), this.size - pos));
      const { bytesRead } = await this.file.read(buffer, 0, buffer.length, pos);
      this.window = buffer.subarray(0, bytesRead);
      this.windowStart = pos;
    }
    return this.window.subarray(pos - this.windowStart, pos - this.windowStart + length);
  }

  /** A varint at `pos`: its value and the position after it. */
  async varint(pos: number): Promise<{ value: number; next: number }> {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const [byte = 0] = await this.bytes(pos + i, 1);
      value += (byte & 0x7f) * scale;
      scale *= 128;
      if ((byte & 0x80) === 0) return { value, next: pos + i + 1 };
    }
    throw new OnnxFormatError('has a malformed field (not an ONNX model?)');
  }
}

interface Field {
  number: number;
  /** Where a length-delimited field's bytes start, and how many; varints: their value. */
  start: number;
  length: number;
  value: number;
}

/** The fields of the message in [start, end), in file order. */
async function* fields(source: ByteSource, start: number, end: number): AsyncGenerator<Field> {
  let pos = start;
  while (pos < end) {
    const key = await source.varint(pos);
    const number = Math.floor(key.value / 8);
    const wire = key.value % 8;
    pos = key.next;
    if (wire === 0) {
      const v = await source.varint(pos);
      yield { number, start: pos, length: v.next - pos, value: v.value };
      pos = v.next;
    } else if (wire === 2) {
      const len = await source.varint(pos);
      yield { number, start: len.next, length: len.value, value: 0 };
      pos = len.next + len.value;
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
    } else {
      throw new OnnxFormatError(`has an unreadable field (wire type ${wire}; not an ONNX model?)`);
    }
    if (pos > end) throw new OnnxFormatError('is truncated or not an ONNX model');
  }
}

async function text(source: ByteSource, field: Field): Promise<string> {
  return (await source.bytes(field.start, field.length)).toString('utf8');
}

/** The string in field `wanted` of the message `field`, or '' (names of tensors and value infos). */
async function stringIn(source: ByteSource, field: Field, wanted: number): Promise<string> {
  for await (const inner of fields(source, field.start, field.start + field.length)) {
    if (inner.number === wanted) return text(source, inner);
  }
  return '';
}

async function readGraph(source: ByteSource, graph: Field, summary: OnnxSummary): Promise<void> {
  const initializers = new Set<string>();
  const declared: string[] = [];
  for await (const field of fields(source, graph.start, graph.start + graph.length)) {
    // GraphProto: 5 initializer (TensorProto, name = 8), 11 input, 12 output (ValueInfoProto, name = 1).
    if (field.number === 5) initializers.add(await stringIn(source, field, 8));
    else if (field.number === 11) declared.push(await stringIn(source, field, 1));
    else if (field.number === 12) summary.outputs.push(await stringIn(source, field, 1));
  }
  summary.inputs.push(...declared.filter((name) => !initializers.has(name)));
}

/** The metadata and graph interface of `file`; throws OnnxFormatError (message: "… is …") if unreadable. */
export async function readOnnxSummary(file: string): Promise<OnnxSummary> {
  const handle = await open(file, 'r');
  try {
    const source = new ByteSource(handle, (await handle.stat()).size);
    const summary: OnnxSummary = { metadata: new Map(), inputs: [], outputs: [] };
    let graph: Field | undefined;
    // ModelProto: 1 ir_version, 7 graph, 14 metadata_props (StringStringEntryProto: 1 key, 2 value).
    for await (const field of fields(source, 0, source.size)) {
      if (field.number === 7) graph = field;
      else if (field.number === 14) {
        let key = '';
        let value = '';
        for await (const entry of fields(source, field.start, field.start + field.length)) {
          if (entry.number === 1) key = await text(source, entry);
          else if (entry.number === 2) value = await text(source, entry);
        }
        summary.metadata.set(key, value);
      }
    }
    if (!graph) throw new OnnxFormatError('has no graph (not an ONNX model?)');
    await readGraph(source, graph, summary);
    return summary;
  } finally {
    await handle.close();
  }
}
