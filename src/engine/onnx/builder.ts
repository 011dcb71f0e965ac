/**
 * A small ONNX graph writer on top of onnx-proto (protobufjs). The only importer of onnx-proto.
 * Used to generate test fixture models (FastSAM / CLIP contracts) and architecture-equivalent
 * benchmark models. It writes inference graphs: inputs, outputs, initializers, nodes, attributes.
 *
 *   const g = new GraphBuilder('demo');
 *   const x = g.input('images', [1, 3, 'h', 'w']);
 *   const w = g.init('w', new Float32Array(27), [1, 3, 3, 3]);
 *   const [y] = g.node('Conv', [x, w], { pads: [1, 1, 1, 1] });
 *   g.output(y, [1, 1, 'h', 'w']);
 *   const bytes = g.toBytes();   // Uint8Array, loadable by onnxruntime
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto as unknown as { onnx: any };

export type ElemType = 'float32' | 'int64' | 'int32' | 'uint8' | 'bool';
const ELEM: Record<ElemType, number> = { float32: 1, uint8: 2, int32: 6, int64: 7, bool: 9 };

/** Attribute values: integers → INT, other numbers → FLOAT, arrays of integers → INTS. Force floats with {f} / {fs}. */
export type AttrValue =
  | number
  | number[]
  | string
  | { f: number }
  | { fs: number[] }
  | { tensor: { data: Float32Array | BigInt64Array | Int32Array | Uint8Array; dims: number[] } };

type TensorData = Float32Array | BigInt64Array | Int32Array | Uint8Array;

function elemTypeOf(data: TensorData): number {
  if (data instanceof Float32Array) return ELEM.float32;
  if (data instanceof BigInt64Array) return ELEM.int64;
  if (data instanceof Int32Array) return ELEM.int32;
  return ELEM.uint8;
}

function tensorProto(name: string, data: TensorData, dims: number[]): any {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) {
    throw new Error(`tensor ${name}: got ${data.length} values, expected ${expected} for dims [${dims.join(', ')}]`);
  }
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: elemTypeOf(data),
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
}

function attrProto(name: string, v: AttrValue): any {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { name, type: A.INT, i: v } : { name, type: A.FLOAT, f: v };
  }
  if (Array.isArray(v)) {
    return v.every(Number.isInteger) ? { name, type: A.INTS, ints: v } : { name, type: A.FLOATS, floats: v };
  }
  if ('f' in v) return { name, type: A.FLOAT, f: v.f };
  if ('fs' in v) return { name, type: A.FLOATS, floats: v.fs };
  return { name, type: A.TENSOR, t: tensorProto(name, v.tensor.data, v.tensor.dims) };
}

function valueInfo(name: string, dims: (number | string)[] | undefined, type: ElemType): any {
  const shape = dims === undefined
    ? undefined
    : { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
  return { name, type: { tensorType: { elemType: ELEM[type], shape } } };
}

export class GraphBuilder {
  private readonly nodes: any[] = [];
  private readonly inits: any[] = [];
  private readonly inputs: any[] = [];
  private readonly outputs: any[] = [];
  private counter = 0;
  private params = 0;

  constructor(readonly name = 'graph') {}

  /** A fresh, unique tensor name with the given prefix. */
  fresh(prefix = 't'): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  input(name: string, dims: (number | string)[], type: ElemType = 'float32'): string {
    this.inputs.push(valueInfo(name, dims, type));
    return name;
  }

  /** Marks an existing tensor as a graph output (dims may be symbolic or omitted). */
  output(name: string, dims?: (number | string)[], type: ElemType = 'float32'): string {
    this.outputs.push(valueInfo(name, dims, type));
    return name;
  }

  /** Adds an initializer (weights); counts its elements as parameters when `countAsParam`. */
  init(prefix: string, data: TensorData, dims: number[], countAsParam = true): string {
    const name = this.fresh(prefix);
    this.inits.push(tensorProto(name, data, dims));
    if (countAsParam) this.params += data.length;
    return name;
  }

  /** A float32 constant (not counted as a parameter). */
  constF(values: number[] | Float32Array, dims: number[] = [values.length]): string {
    return this.init('cf', Float32Array.from(values), dims, false);
  }

  /** An int64 constant (shapes, axes, indices; not counted as a parameter). */
  constI64(values: number[], dims: number[] = [values.length]): string {
    return this.init('ci', BigInt64Array.from(values.map((v) => BigInt(v))), dims, false);
  }

  /** Adds a node; returns its output names (fresh unless given). */
  node(
    op: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    outputs: number | string[] = 1,
    domain = '',
  ): string[] {
    const outs = typeof outputs === 'number'
      ? Array.from({ length: outputs }, () => this.fresh(op.toLowerCase()))
      : outputs;
    this.nodes.push({
      opType: op,
      domain,
      name: this.fresh(`n_${op}`),
      input: inputs,
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => attrProto(k, v)),
    });
    return outs;
  }

  /** Shorthand for a single-output node. */
  op(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    return this.node(op, inputs, attrs, 1)[0];
  }

  /** Renames the output of the last node that produced `from` to `to` (to give graph outputs fixed names). */
  rename(from: string, to: string): string {
    for (const n of this.nodes) {
      n.output = n.output.map((o: string) => (o === from ? to : o));
      n.input = n.input.map((i: string) => (i === from ? to : i));
    }
    return to;
  }

  /** Number of parameter elements added through init(). */
  get parameterCount(): number {
    return this.params;
  }

  /** Encodes the model (opset 17 by default) with optional metadata_props. */
  toBytes(options: { opset?: number; metadata?: Record<string, string>; producer?: string } = {}): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: options.producer ?? 'fastsam-geo',
      opsetImport: [{ domain: '', version: options.opset ?? 17 }],
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.inits,
        input: this.inputs,
        output: this.outputs,
      },
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
