/**
 * A small typed builder for ONNX graphs over the `onnx-proto` protobuf
 * classes: graph inputs and outputs with symbolic dimensions, initializers
 * taken from typed arrays or `tf.Variable`s, and operator nodes with typed
 * attributes. {@linkcode GraphBuilder.build} checks that every node input is
 * defined before it is used and returns the serialised `ModelProto`.
 *
 * @module
 */

import onnxProto from "onnx-proto";
import * as tf from "@tensorflow/tfjs-core";
import { requireInteger } from "../_validate.ts";

const { onnx } = onnxProto;

/** The ONNX protobuf namespace (`onnx.ModelProto`, `onnx.TensorProto`, ...). */
export { onnx };

/** The element types the exporter writes. */
export type ElementType = "float32" | "int32" | "int64" | "bool";

/**
 * One dimension of a tensor shape: a fixed size, or a symbolic name such as
 * `"batch"` that ONNX Runtime resolves per call.
 */
export type Dimension = number | string;

/**
 * A typed node attribute. ONNX tells integers from floats, so the kind is
 * spelled out: `{ int: -1 }`, `{ float: 1e-5 }`, `{ ints: [1, 1] }`,
 * `{ floats: [0.5] }`, `{ string: "NOTSET" }`.
 */
export type AttributeValue =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] }
  | { readonly string: string };

/** Options of {@linkcode GraphBuilder.node}. */
export interface NodeOptions {
  /**
   * The name of the node's output; a unique name derived from the operator is
   * made up when absent.
   */
  readonly output?: string;
  /** The operator's attributes. */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

/** Options of {@linkcode GraphBuilder.build}. */
export interface BuildOptions {
  /**
   * The version of the default ONNX operator set.
   * @default {17}
   */
  readonly opsetVersion?: number;
  /**
   * Free-form key-value metadata stored in the model (`metadata_props`).
   * @default {{}}
   */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * A description stored as the model's `doc_string`.
   * @default {""}
   */
  readonly description?: string;
}

/** The ONNX IR version the builder writes (IR 8 carries opsets up to 18). */
export const IR_VERSION = 8;

/** The default operator-set version: LayerNormalization appeared in 17. */
export const DEFAULT_OPSET = 17;

const ELEMENT_CODES: Readonly<Record<ElementType, number>> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

function valueInfo(
  name: string,
  elementType: ElementType,
  shape: readonly Dimension[],
): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEMENT_CODES[elementType],
        shape: {
          dim: shape.map((size) =>
            typeof size === "string" ? { dimParam: size } : { dimValue: size }
          ),
        },
      },
    },
  };
}

function attribute(
  name: string,
  value: AttributeValue,
): onnxProto.onnx.IAttributeProto {
  const kind = onnx.AttributeProto.AttributeType;
  if ("int" in value) return { name, type: kind.INT, i: value.int };
  if ("float" in value) return { name, type: kind.FLOAT, f: value.float };
  if ("ints" in value) return { name, type: kind.INTS, ints: [...value.ints] };
  if ("floats" in value) {
    return { name, type: kind.FLOATS, floats: [...value.floats] };
  }
  return {
    name,
    type: kind.STRING,
    s: new TextEncoder().encode(value.string),
  };
}

// Little-endian bytes of a typed array, the byte order ONNX's raw_data uses
// whatever the host's order is.
function rawBytes(
  values: Float32Array | Int32Array | BigInt64Array | Uint8Array,
): Uint8Array {
  if (values instanceof Uint8Array) return values.slice();
  const bytes = new Uint8Array(values.length * values.BYTES_PER_ELEMENT);
  const view = new DataView(bytes.buffer);
  if (values instanceof Float32Array) {
    values.forEach((x, i) => view.setFloat32(4 * i, x, true));
  } else if (values instanceof Int32Array) {
    values.forEach((x, i) => view.setInt32(4 * i, x, true));
  } else {
    values.forEach((x, i) => view.setBigInt64(8 * i, x, true));
  }
  return bytes;
}

/** The typed array that holds the elements of each {@linkcode ElementType}. */
export type ElementArray<T extends ElementType> = T extends "float32"
  ? Float32Array
  : T extends "int32" ? Int32Array
  : T extends "int64" ? BigInt64Array
  : Uint8Array;

/**
 * Builds one ONNX graph node by node.
 *
 * Names live in one namespace: graph inputs, initializers and node outputs.
 * Adding a name twice throws, and {@linkcode GraphBuilder.build} throws when a
 * node reads a name that nothing defined before it, so a malformed graph is
 * caught here rather than by ONNX Runtime.
 *
 * @example Build `y = relu(x)` with a symbolic batch dimension
 * ```ts
 * import { GraphBuilder, onnx } from "./graph.ts";
 *
 * const graph = new GraphBuilder("relu");
 * graph.input("x", "float32", ["batch", 3]);
 * graph.output(graph.node("Relu", ["x"], { output: "y" }), "float32", [
 *   "batch",
 *   3,
 * ]);
 * const bytes = graph.build();
 * const model = onnx.ModelProto.decode(bytes);
 * if (model.graph?.node?.[0].opType !== "Relu") throw new Error("no Relu");
 * ```
 */
export class GraphBuilder {
  readonly #name: string;
  readonly #inputs: onnxProto.onnx.IValueInfoProto[] = [];
  readonly #outputs: onnxProto.onnx.IValueInfoProto[] = [];
  readonly #initializers: onnxProto.onnx.ITensorProto[] = [];
  readonly #nodes: onnxProto.onnx.INodeProto[] = [];
  readonly #names = new Set<string>();
  readonly #counters = new Map<string, number>();

  /**
   * Starts an empty graph.
   *
   * @param name The graph's name.
   */
  constructor(name: string) {
    this.#name = name;
  }

  /** The number of nodes added so far. */
  get nodeCount(): number {
    return this.#nodes.length;
  }

  /** The number of initializer tensors added so far. */
  get initializerCount(): number {
    return this.#initializers.length;
  }

  /**
   * Whether an input, initializer or node output is already named `name`.
   *
   * @param name The name to look up.
   * @returns `true` when it is taken.
   */
  has(name: string): boolean {
    return this.#names.has(name);
  }

  #claim(name: string): string {
    if (this.#names.has(name)) {
      throw new RangeError(
        `Cannot add to the ONNX graph as names must be unique: current value is "${name}"`,
      );
    }
    this.#names.add(name);
    return name;
  }

  /**
   * A fresh name `<stem>_<k>` that no input, initializer or output uses yet.
   *
   * @param stem The readable part of the name.
   * @returns The unused name (not claimed until something is added under it).
   */
  freshName(stem: string): string {
    let count = this.#counters.get(stem) ?? 0;
    let name = `${stem}_${count}`;
    while (this.#names.has(name)) name = `${stem}_${++count}`;
    this.#counters.set(stem, count + 1);
    return name;
  }

  /**
   * Declares a graph input.
   *
   * @param name The input's name, as passed to ONNX Runtime.
   * @param elementType The element type.
   * @param shape The shape; strings are symbolic dimensions.
   * @returns `name`.
   * @throws {RangeError} When `name` is already used.
   */
  input(
    name: string,
    elementType: ElementType,
    shape: readonly Dimension[],
  ): string {
    this.#inputs.push(valueInfo(this.#claim(name), elementType, shape));
    return name;
  }

  /**
   * Declares a graph output; `name` must be produced by a node or be an
   * input or initializer.
   *
   * @param name The value to expose.
   * @param elementType The element type.
   * @param shape The shape; strings are symbolic dimensions.
   * @returns `name`.
   */
  output(
    name: string,
    elementType: ElementType,
    shape: readonly Dimension[],
  ): string {
    this.#outputs.push(valueInfo(name, elementType, shape));
    return name;
  }

  /**
   * Adds a constant tensor (an initializer) from a typed array.
   *
   * @param name The initializer's name.
   * @param elementType The element type, which fixes the array's type.
   * @param values The elements in row-major order.
   * @param dims The shape; its product must equal `values.length`.
   * @returns `name`.
   * @throws {RangeError} When `name` is taken or the sizes disagree.
   */
  constant<T extends ElementType>(
    name: string,
    elementType: T,
    values: ElementArray<T>,
    dims: readonly number[],
  ): string {
    const size = dims.reduce((product, d) => product * d, 1);
    if (size !== values.length) {
      throw new RangeError(
        `Cannot add the ONNX initializer "${name}" as its element count must equal the product of its dims [${
          dims.join(", ")
        }]: current value is ${values.length}`,
      );
    }
    this.#initializers.push({
      name: this.#claim(name),
      dataType: ELEMENT_CODES[elementType],
      dims: [...dims],
      rawData: rawBytes(values),
    });
    return name;
  }

  /**
   * Adds a float32 constant from a tfjs variable (or any tensor), optionally
   * permuting its axes first, for instance `[3, 2, 0, 1]` to turn a tfjs conv
   * kernel `[kh, kw, in, out]` into ONNX's `[out, in, kh, kw]`.
   *
   * @param name The initializer's name.
   * @param tensor The tensor whose current values are copied.
   * @param permutation An axis permutation as in `tf.transpose`.
   * @returns `name`.
   */
  tensor(name: string, tensor: tf.Tensor, permutation?: number[]): string {
    const moved = permutation === undefined
      ? tensor.clone()
      : tf.transpose(tensor, permutation);
    try {
      const values = Float32Array.from(moved.dataSync() as Float32Array);
      return this.constant(name, "float32", values, moved.shape);
    } finally {
      moved.dispose();
    }
  }

  /**
   * Adds a 1-D int64 constant, the type ONNX uses for shapes, axes and
   * slice bounds.
   *
   * @param name The initializer's name.
   * @param values The integers.
   * @returns `name`.
   */
  int64s(name: string, values: readonly number[]): string {
    return this.constant(
      name,
      "int64",
      BigInt64Array.from(values, (v) => BigInt(v)),
      [values.length],
    );
  }

  /**
   * Adds a float32 scalar constant.
   *
   * @param name The initializer's name.
   * @param value The number.
   * @returns `name`.
   */
  scalar(name: string, value: number): string {
    return this.constant(name, "float32", Float32Array.of(value), []);
  }

  /**
   * Appends an operator node with one output.
   *
   * @param opType The ONNX operator (`"Conv"`, `"MatMul"`, ...), default
   *   domain.
   * @param inputs The names it reads; `""` marks an omitted optional input.
   * @param options The output name and attributes.
   * @returns The name of the node's output.
   * @throws {RangeError} When the output name is already used.
   */
  node(
    opType: string,
    inputs: readonly string[],
    options: NodeOptions = {},
  ): string {
    const output = this.#claim(options.output ?? this.freshName(opType));
    const attributes = Object.entries(options.attributes ?? {}).map((
      [key, value],
    ) => attribute(key, value));
    this.#nodes.push({
      name: output,
      opType,
      input: [...inputs],
      output: [output],
      attribute: attributes,
    });
    return output;
  }

  /**
   * Checks the graph and serialises it as an ONNX `ModelProto`.
   *
   * @param options The opset version, metadata and description.
   * @returns The model's protobuf bytes.
   * @throws {RangeError} When a node reads an undefined name, an output is
   *   undefined, or the opset is below 17.
   */
  build(options: BuildOptions = {}): Uint8Array {
    const opsetVersion = options.opsetVersion ?? DEFAULT_OPSET;
    requireInteger("build the ONNX model", "opsetVersion", opsetVersion, 17);
    const defined = new Set<string>([
      ...this.#inputs.map((v) => v.name ?? ""),
      ...this.#initializers.map((t) => t.name ?? ""),
    ]);
    for (const node of this.#nodes) {
      for (const input of node.input ?? []) {
        if (input !== "" && !defined.has(input)) {
          throw new RangeError(
            `Cannot build the ONNX model as node "${node.name}" (${node.opType}) must read defined values: current value is "${input}"`,
          );
        }
      }
      for (const output of node.output ?? []) defined.add(output);
    }
    for (const output of this.#outputs) {
      if (!defined.has(output.name ?? "")) {
        throw new RangeError(
          `Cannot build the ONNX model as graph outputs must be defined: current value is "${output.name}"`,
        );
      }
    }
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: "uba-kit",
      producerVersion: "0.1.0",
      docString: options.description ?? "",
      opsetImport: [{ domain: "", version: opsetVersion }],
      metadataProps: Object.entries(options.metadata ?? {}).map((
        [key, value],
      ) => ({ key, value })),
      graph: {
        name: this.#name,
        input: this.#inputs,
        output: this.#outputs,
        initializer: this.#initializers,
        node: this.#nodes,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
