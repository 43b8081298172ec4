/**
 * TEST FIXTURE WRITER — a minimal ONNX (protobuf) encoder for the tiny model fixtures of
 * `model-fixtures.ts`. Only the fields those graphs use are written: ModelProto (ir_version,
 * opset_import, graph, metadata_props), GraphProto (node, initializer, input, output), float/int64
 * tensors as raw little-endian data, and tensor value infos with symbolic or fixed dimensions.
 * Field numbers follow onnx/onnx.proto.
 */

type Bytes = Uint8Array;

function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

const concat = (parts: readonly Bytes[]): Bytes => Buffer.concat(parts);
const tag = (field: number, wire: 0 | 2 | 5) => varint((field << 3) | wire);

function intField(field: number, value: number | bigint): Bytes {
  return Uint8Array.from([...tag(field, 0), ...varint(value)]);
}

function bytesField(field: number, body: Bytes): Bytes {
  return concat([Uint8Array.from([...tag(field, 2), ...varint(body.length)]), body]);
}

const stringField = (field: number, text: string): Bytes => bytesField(field, Buffer.from(text, 'utf8'));

function floatField(field: number, value: number): Bytes {
  const body = Buffer.alloc(4);
  body.writeFloatLE(value);
  return concat([Uint8Array.from(tag(field, 5)), body]);
}

/** ONNX TensorProto.DataType values used here. */
export const DataType = { float: 1, int32: 6, int64: 7 } as const;
export type ElemType = (typeof DataType)[keyof typeof DataType];

export interface Tensor {
  name: string;
  dims: readonly number[];
  type: 'float' | 'int64';
  values: ArrayLike<number>;
}

function tensorProto(tensor: Tensor): Bytes {
  const count = tensor.dims.reduce((n, d) => n * d, 1);
  if (count !== tensor.values.length) {
    throw new Error(`tensor ${tensor.name}: ${tensor.values.length} values for dims ${tensor.dims}`);
  }
  const raw =
    tensor.type === 'float'
      ? Buffer.from(Float32Array.from(tensor.values).buffer)
      : Buffer.from(BigInt64Array.from(Array.from(tensor.values, (v) => BigInt(v))).buffer);
  return concat([
    ...tensor.dims.map((d) => intField(1, d)),
    intField(2, DataType[tensor.type]),
    stringField(8, tensor.name),
    bytesField(9, raw),
  ]);
}

/** A graph input or output: element type and dims (a string is a symbolic dimension such as `N`). */
export interface ValueInfo {
  name: string;
  type: ElemType;
  dims: readonly (number | string)[];
}

function valueInfoProto(info: ValueInfo): Bytes {
  const dims = info.dims.map((d) =>
    bytesField(1, typeof d === 'number' ? intField(1, d) : stringField(2, d)),
  );
  const tensorType = concat([intField(1, info.type), bytesField(2, concat(dims))]);
  return concat([stringField(1, info.name), bytesField(2, bytesField(1, tensorType))]);
}

export type Attribute =
  { name: string; int: number } | { name: string; ints: readonly number[] } | { name: string; float: number };

function attributeProto(attr: Attribute): Bytes {
  // AttributeProto.type: FLOAT 1, INT 2, INTS 7.
  if ('int' in attr) return concat([stringField(1, attr.name), intField(3, attr.int), intField(20, 2)]);
  if ('float' in attr) return concat([stringField(1, attr.name), floatField(2, attr.float), intField(20, 1)]);
  return concat([stringField(1, attr.name), ...attr.ints.map((i) => intField(8, i)), intField(20, 7)]);
}

export interface Node {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: readonly Attribute[];
}

function nodeProto(node: Node, index: number): Bytes {
  return concat([
    ...node.inputs.map((i) => stringField(1, i)),
    ...node.outputs.map((o) => stringField(2, o)),
    stringField(3, `${node.op.toLowerCase()}_${index}`),
    stringField(4, node.op),
    ...(node.attributes ?? []).map((a) => bytesField(5, attributeProto(a))),
  ]);
}

export interface Model {
  name: string;
  nodes: readonly Node[];
  initializers: readonly Tensor[];
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
  /** Custom metadata (`metadata_props`), as sherpa-onnx reads it with LookupCustomModelMetaData. */
  metadata: Readonly<Record<string, string | number>>;
}

/** The model as the bytes of an `.onnx` file (IR version 8, default opset 13). */
export function encodeModel(model: Model): Bytes {
  const graph = concat([
    ...model.nodes.map((n, i) => bytesField(1, nodeProto(n, i))),
    stringField(2, model.name),
    ...model.initializers.map((t) => bytesField(5, tensorProto(t))),
    ...model.inputs.map((v) => bytesField(11, valueInfoProto(v))),
    ...model.outputs.map((v) => bytesField(12, valueInfoProto(v))),
  ]);
  const metadata = Object.entries(model.metadata).map(([key, value]) =>
    bytesField(14, concat([stringField(1, key), stringField(2, String(value))])),
  );
  return concat([
    intField(1, 8),
    stringField(2, 'hotline-assist test fixture'),
    bytesField(7, graph),
    bytesField(8, concat([stringField(1, ''), intField(2, 13)])),
    ...metadata,
  ]);
}
