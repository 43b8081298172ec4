/**
 * The part of the ONNX protobuf format `silero-graph.ts` needs: reading the float tensors of a model
 * (initializers and `Constant` nodes, in subgraphs too) with the attributes of the nodes that use
 * them, and writing a small model of its own. Field numbers are those of onnx.proto; varints above
 * 2^53 (none of these fields hold one) lose precision. Tensor bytes are little-endian, in ONNX and on
 * every platform onnxruntime-node ships for, so typed arrays are copied as they are.
 */

export interface FloatTensor {
  dims: number[];
  data: Float32Array;
}

/** A node of the source model, as far as needed: its inputs and integer-list attributes. */
export interface ModelNode {
  opType: string;
  inputs: string[];
  ints: Map<string, number[]>;
}

export interface ModelContents {
  /** Float tensors by name, from every graph and subgraph. */
  tensors: Map<string, FloatTensor>;
  nodes: ModelNode[];
}

const FLOAT = 1;
const INT64 = 7;

type Field = { no: number; wire: number; int: number; bytes: Uint8Array };

/** The varint at `at`: its value and where the next field starts. */
function varint(buf: Uint8Array, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = at; ; i++) {
    const byte = buf[i];
    if (byte === undefined) throw new Error('truncated ONNX protobuf');
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, i + 1];
    scale *= 128;
  }
}

function* fields(buf: Uint8Array): Generator<Field> {
  const empty = new Uint8Array(0);
  let at = 0;
  while (at < buf.length) {
    const [key, afterKey] = varint(buf, at);
    const no = Math.floor(key / 8);
    const wire = key & 7;
    at = afterKey;
    if (wire === 0) {
      const [value, next] = varint(buf, at);
      at = next;
      yield { no, wire, int: value, bytes: empty };
    } else if (wire === 2 || wire === 5 || wire === 1) {
      let size = wire === 5 ? 4 : 8;
      if (wire === 2) [size, at] = varint(buf, at);
      if (at + size > buf.length) throw new Error('truncated ONNX protobuf');
      yield { no, wire, int: 0, bytes: buf.subarray(at, at + size) };
      at += size;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}

const text = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');

/** Repeated integers, packed or not. */
function ints(field: Field): number[] {
  if (field.wire === 0) return [field.int];
  const out: number[] = [];
  for (let at = 0; at < field.bytes.length;) {
    const [value, next] = varint(field.bytes, at);
    out.push(value);
    at = next;
  }
  return out;
}

function floatTensor(buf: Uint8Array): (FloatTensor & { name: string }) | null {
  const dims: number[] = [];
  let type = 0;
  let name = '';
  let raw: Uint8Array | null = null;
  const floats: number[] = [];
  for (const f of fields(buf)) {
    if (f.no === 1) dims.push(...ints(f));
    else if (f.no === 2) type = f.int;
    else if (f.no === 8) name = text(f.bytes);
    else if (f.no === 9) raw = f.bytes;
    else if (f.no === 4) {
      const view = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.length);
      for (let i = 0; i + 4 <= f.bytes.length; i += 4) floats.push(view.getFloat32(i, true));
    }
  }
  if (type !== FLOAT) return null;
  // A copy: the raw bytes need not be 4-byte aligned in the file.
  const data = raw ? new Float32Array(new Uint8Array(raw).buffer) : Float32Array.from(floats);
  return { name, dims, data };
}

/** Reads every float tensor and node of a model, subgraphs (`If` branches) included. */
export function readModel(model: Uint8Array): ModelContents {
  const contents: ModelContents = { tensors: new Map(), nodes: [] };
  const graph = (buf: Uint8Array): void => {
    for (const f of fields(buf)) {
      if (f.no === 1) node(f.bytes);
      else if (f.no === 5) {
        const tensor = floatTensor(f.bytes);
        if (tensor) contents.tensors.set(tensor.name, tensor);
      }
    }
  };
  const node = (buf: Uint8Array): void => {
    const inputs: string[] = [];
    const outputs: string[] = [];
    let opType = '';
    const attributeInts = new Map<string, number[]>();
    let value: FloatTensor | null = null;
    for (const f of fields(buf)) {
      if (f.no === 1) inputs.push(text(f.bytes));
      else if (f.no === 2) outputs.push(text(f.bytes));
      else if (f.no === 4) opType = text(f.bytes);
      else if (f.no === 5) {
        let name = '';
        const list: number[] = [];
        for (const a of fields(f.bytes)) {
          if (a.no === 1) name = text(a.bytes);
          else if (a.no === 8) list.push(...ints(a));
          else if (a.no === 5) value = floatTensor(a.bytes);
          else if (a.no === 6) graph(a.bytes);
          else if (a.no === 11) graph(a.bytes);
        }
        if (list.length > 0) attributeInts.set(name, list);
      }
    }
    if (opType === 'Constant' && value && outputs[0] !== undefined) contents.tensors.set(outputs[0], value);
    contents.nodes.push({ opType, inputs, ints: attributeInts });
  };
  for (const f of fields(model)) if (f.no === 7) graph(f.bytes);
  return contents;
}

// Writing.

type Chunk = Uint8Array;

function varintBytes(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

const concat = (chunks: Chunk[]): Uint8Array => Buffer.concat(chunks);
const int = (no: number, value: number): Chunk =>
  Uint8Array.from([...varintBytes(no * 8), ...varintBytes(value)]);
const bytes = (no: number, data: Uint8Array): Chunk =>
  concat([Uint8Array.from([...varintBytes(no * 8 + 2), ...varintBytes(data.length)]), data]);
const str = (no: number, s: string): Chunk => bytes(no, Buffer.from(s, 'utf8'));
const packed = (no: number, values: number[]): Chunk =>
  bytes(no, Uint8Array.from(values.flatMap(varintBytes)));

/** A tensor to embed: float32 weights or int64 constants (shapes, axes, pads). */
export type TensorValue = { dims: number[]; floats: Float32Array } | { dims: number[]; int64s: number[] };

function tensorBytes(name: string, value: TensorValue): Uint8Array {
  const array = 'floats' in value ? value.floats : BigInt64Array.from(value.int64s.map(BigInt));
  const raw = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  const type = 'floats' in value ? FLOAT : INT64;
  return concat([packed(1, value.dims), int(2, type), str(8, name), bytes(9, raw)]);
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  /** Integer and integer-list attributes, and string ones (`mode`). */
  attributes?: Record<string, number | number[] | string>;
}

function nodeBytes(spec: NodeSpec): Uint8Array {
  const attributes = Object.entries(spec.attributes ?? {}).map(([name, value]) => {
    // AttributeProto: 1 name, 3 i, 4 s, 8 ints, 20 type (INT = 2, STRING = 3, INTS = 7).
    if (typeof value === 'number') return bytes(5, concat([str(1, name), int(3, value), int(20, 2)]));
    if (typeof value === 'string') return bytes(5, concat([str(1, name), str(4, value), int(20, 3)]));
    return bytes(5, concat([str(1, name), packed(8, value), int(20, 7)]));
  });
  return concat([
    ...spec.inputs.map((i) => str(1, i)),
    ...spec.outputs.map((o) => str(2, o)),
    str(4, spec.op),
    ...attributes,
  ]);
}

/** A graph input or output (float unless int64); a string dimension is symbolic (the batch). */
export interface IoSpec {
  name: string;
  dims: Array<number | string>;
  int64?: boolean;
}

function ioBytes(io: IoSpec): Uint8Array {
  const dims = io.dims.map((d) => bytes(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  const tensorType = concat([int(1, io.int64 ? INT64 : FLOAT), bytes(2, concat(dims))]);
  return concat([str(1, io.name), bytes(2, bytes(1, tensorType))]);
}

export interface GraphSpec {
  nodes: NodeSpec[];
  initializers: Map<string, TensorValue>;
  inputs: IoSpec[];
  outputs: IoSpec[];
  opset: number;
}

/** Serialises a one-graph model (IR version 8, the default ONNX domain at `opset`). */
export function writeModel(spec: GraphSpec): Uint8Array {
  const graph = concat([
    ...spec.nodes.map((n) => bytes(1, nodeBytes(n))),
    str(2, 'graph'),
    ...[...spec.initializers].map(([name, value]) => bytes(5, tensorBytes(name, value))),
    ...spec.inputs.map((io) => bytes(11, ioBytes(io))),
    ...spec.outputs.map((io) => bytes(12, ioBytes(io))),
  ]);
  return concat([int(1, 8), bytes(8, concat([str(1, ''), int(2, spec.opset)])), bytes(7, graph)]);
}
