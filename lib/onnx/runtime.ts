/**
 * Loading and running ONNX models with onnxruntime-node under Deno.
 *
 * onnxruntime-node is a Node-API addon: the CPU and WebGPU execution
 * providers ship inside the npm package, so it needs no install script, but
 * the process needs `--allow-read` and `--allow-ffi` to load the addon. The
 * CUDA provider's libraries are fetched by the package's postinstall script
 * from NuGet; Deno does not run that script unless told to (`deno install
 * --allow-scripts=npm:onnxruntime-node`), so on a machine without them the
 * CUDA provider is reported as unavailable.
 *
 * {@linkcode loadOnnx} validates the file, starts the requested execution
 * provider and, when a GPU provider cannot start (no adapter, a software
 * adapter such as Mesa's llvmpipe, missing CUDA libraries), falls back to
 * the CPU and says why in {@linkcode OnnxModel.fallbackReason}.
 *
 * @module
 */

import { writeFileAtomic } from "../_atomic_write.ts";
import * as ort from "onnxruntime-node";
import type onnxProto from "onnx-proto";
import { onnx } from "./graph.ts";
import type { Dimension, ElementType } from "./graph.ts";
import { requireChoice, requireOptions } from "../_validate.ts";

/** The execution providers the kit knows how to ask for. */
export const PROVIDERS = ["cpu", "webgpu", "cuda"] as const;

/** An ONNX Runtime execution provider. */
export type Provider = typeof PROVIDERS[number];

/** The name, element type and shape of a model input or output. */
export interface TensorSignature {
  /** The value's name in the graph. */
  readonly name: string;
  /** Its element type. */
  readonly elementType: ElementType;
  /** Its shape; strings are symbolic dimensions such as `"batch"`. */
  readonly shape: readonly Dimension[];
}

/** A tensor handed to or returned by {@linkcode OnnxModel.run}. */
export interface HostTensor {
  /** The elements in row-major order. */
  readonly data: Float32Array | Int32Array | BigInt64Array;
  /** The shape. */
  readonly shape: readonly number[];
}

/** Options of {@linkcode loadOnnx}. */
export interface LoadOptions {
  /**
   * The execution provider to run on.
   * @default {"cpu"}
   */
  readonly provider?: Provider;
  /**
   * Whether to fall back to the CPU provider when the requested GPU provider
   * cannot start. When `false` such a failure throws.
   * @default {true}
   */
  readonly fallback?: boolean;
  /**
   * Receives one line when the model falls back to the CPU.
   * @default {() => {}}
   */
  readonly log?: (line: string) => void;
}

/** A loaded ONNX model ready to run. */
export interface OnnxModel {
  /** The file it was read from, or `undefined` for in-memory bytes. */
  readonly path: string | undefined;
  /** The execution provider asked for. */
  readonly requestedProvider: Provider;
  /** The execution provider in use. */
  readonly provider: Provider;
  /** Why the requested provider was replaced by the CPU, if it was. */
  readonly fallbackReason: string | undefined;
  /** The graph inputs. */
  readonly inputs: readonly TensorSignature[];
  /** The graph outputs. */
  readonly outputs: readonly TensorSignature[];
  /** The model's `metadata_props` (the exporter stores kind and config). */
  readonly metadata: Readonly<Record<string, string>>;
  /**
   * Runs the model after checking every feed against the input signatures.
   *
   * @throws {TypeError} When a feed is missing, unknown or of the wrong type.
   * @throws {RangeError} When a shape does not match the model.
   */
  run(feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>>;
  /** Frees the native session. */
  release(): Promise<void>;
}

const ELEMENT_TYPES: Readonly<Record<number, ElementType>> = {
  [onnx.TensorProto.DataType.FLOAT]: "float32",
  [onnx.TensorProto.DataType.INT32]: "int32",
  [onnx.TensorProto.DataType.INT64]: "int64",
  [onnx.TensorProto.DataType.BOOL]: "bool",
};

function signatures(
  values: readonly onnxProto.onnx.IValueInfoProto[],
  initializers: ReadonlySet<string>,
): TensorSignature[] {
  return values.filter((v) => !initializers.has(v.name ?? "")).map((v) => ({
    name: v.name ?? "",
    elementType: ELEMENT_TYPES[v.type?.tensorType?.elemType ?? -1] ??
      "float32",
    shape: (v.type?.tensorType?.shape?.dim ?? []).map((d) =>
      d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)
    ),
  }));
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n").map((line) => line.trim()).find((line) =>
    line !== ""
  ) ?? text;
}

// ONNX Runtime's messages start with a source location and an assertion;
// keep the sentence a user can act on.
function providerFailure(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const adapter = text.match(/Failed to get a WebGPU adapter[^\n]*/);
  if (adapter !== null) {
    return `${adapter[0].trim()}; it needs a hardware GPU, software ` +
      "adapters such as Mesa's llvmpipe are refused";
  }
  return firstLine(error);
}

function showShape(shape: readonly Dimension[]): string {
  return `[${shape.join(", ")}]`;
}

async function readModelBytes(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(
        `Cannot load the ONNX model as the file must exist: current value is "${path}"`,
      );
    }
    throw error;
  }
}

function decodeModel(bytes: Uint8Array, label: string) {
  let model;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new TypeError(
      `Cannot load the ONNX model as it must be a valid ONNX protobuf: current value is ${label} (${
        firstLine(error)
      })`,
    );
  }
  if (!model.graph || (model.graph.node ?? []).length === 0) {
    throw new TypeError(
      `Cannot load the ONNX model as it must hold a graph with nodes: current value is ${label}`,
    );
  }
  return model;
}

// The CUDA provider's shared libraries come from the package's postinstall
// script; when they are absent, trying the provider only makes ONNX Runtime
// print a load failure, so say so up front.
function missingCudaLibraries(): string | undefined {
  let entry: URL;
  try {
    entry = new URL(import.meta.resolve("onnxruntime-node"));
  } catch {
    return undefined;
  }
  if (entry.protocol !== "file:") return undefined;
  const folder = new URL(
    `../bin/napi-v6/${Deno.build.os}/${
      Deno.build.arch === "x86_64" ? "x64" : "arm64"
    }/`,
    entry,
  );
  try {
    Deno.statSync(new URL("libonnxruntime_providers_cuda.so", folder));
    return undefined;
  } catch {
    return "its libraries are not installed: onnxruntime-node's " +
      "postinstall script downloads them on Linux x64, run " +
      "`deno install --allow-scripts=npm:onnxruntime-node` on a machine " +
      "with CUDA 12";
  }
}

async function createSession(
  bytes: Uint8Array,
  provider: Provider,
): Promise<ort.InferenceSession> {
  return await ort.InferenceSession.create(bytes, {
    executionProviders: [provider],
    // 3 = errors only; a failing GPU probe is reported through the result.
    logSeverityLevel: provider === "cpu" ? 3 : 4,
  });
}

function checkFeed(
  signature: TensorSignature,
  feed: HostTensor | undefined,
  maxTime: number | undefined,
): void {
  const action = "run the ONNX model";
  if (feed === undefined) {
    throw new TypeError(
      `Cannot ${action} as input "${signature.name}" must be given: current value is undefined`,
    );
  }
  const actualType = feed.data instanceof Float32Array
    ? "float32"
    : feed.data instanceof Int32Array
    ? "int32"
    : "int64";
  if (actualType !== signature.elementType) {
    throw new TypeError(
      `Cannot ${action} as input "${signature.name}" must hold ${signature.elementType}: current value is ${actualType}`,
    );
  }
  const matches = feed.shape.length === signature.shape.length &&
    signature.shape.every((size, axis) =>
      typeof size === "string"
        ? Number.isInteger(feed.shape[axis]) && feed.shape[axis] >= 1
        : feed.shape[axis] === size
    );
  if (!matches) {
    throw new RangeError(
      `Cannot ${action} as input "${signature.name}" must have shape ${
        showShape(signature.shape)
      }: current value is ${showShape(feed.shape)}`,
    );
  }
  const timeAxis = signature.shape.indexOf("time");
  if (
    maxTime !== undefined && timeAxis >= 0 && feed.shape[timeAxis] > maxTime
  ) {
    throw new RangeError(
      `Cannot ${action} as input "${signature.name}" must have time <= ${maxTime} (the model's context length): current value is ${
        feed.shape[timeAxis]
      }`,
    );
  }
  const size = feed.shape.reduce((product, d) => product * d, 1);
  if (size !== feed.data.length) {
    throw new RangeError(
      `Cannot ${action} as input "${signature.name}" must hold as many elements as its shape ${
        showShape(feed.shape)
      } (${size}): current value is ${feed.data.length}`,
    );
  }
}

/**
 * Reads, checks and opens an ONNX model with onnxruntime-node.
 *
 * The requested provider is tried first; `webgpu` and `cuda` fall back to
 * `cpu` (unless `fallback` is `false`) with the reason in
 * {@linkcode OnnxModel.fallbackReason} and one line to `log`.
 *
 * Note: onnxruntime-node's WebGPU provider (Dawn) needs a hardware adapter:
 * on machines with only Mesa's software rasteriser, or without a Vulkan
 * loader, it finds no adapter and the model runs on the CPU. Dawn may print
 * a warning about Vulkan to stderr while probing.
 *
 * @param source A path to a `.onnx` file, or the model's bytes.
 * @param options The provider and the fallback policy.
 * @returns The opened model.
 * @throws {Deno.errors.NotFound} When the file does not exist.
 * @throws {TypeError} When the bytes are not an ONNX model, the provider is
 *   unknown, or ONNX Runtime rejects the graph.
 * @throws {Error} When the requested GPU provider cannot start and `fallback`
 *   is `false`.
 *
 * @example Run `y = relu(x)` on the CPU
 * ```ts
 * import { GraphBuilder } from "./graph.ts";
 * import { loadOnnx } from "./runtime.ts";
 *
 * const graph = new GraphBuilder("relu");
 * graph.input("x", "float32", ["batch", 2]);
 * graph.output(graph.node("Relu", ["x"], { output: "y" }), "float32", [
 *   "batch",
 *   2,
 * ]);
 * const model = await loadOnnx(graph.build());
 * const { y } = await model.run({
 *   x: { data: Float32Array.of(-1, 2), shape: [1, 2] },
 * });
 * await model.release();
 * if (y.data[0] !== 0 || y.data[1] !== 2) throw new Error("not relu");
 * ```
 */
export async function loadOnnx(
  source: string | Uint8Array,
  options: LoadOptions = {},
): Promise<OnnxModel> {
  requireOptions("load the ONNX model", options);
  const requestedProvider = options.provider ?? "cpu";
  requireChoice(
    "load the ONNX model",
    "provider",
    requestedProvider,
    PROVIDERS,
  );
  const fallback = options.fallback ?? true;
  const path = typeof source === "string" ? source : undefined;
  const label = path === undefined ? "<bytes>" : JSON.stringify(path);
  const bytes = typeof source === "string"
    ? await readModelBytes(source)
    : source;
  const proto = decodeModel(bytes, label);

  let session: ort.InferenceSession;
  let provider: Provider = requestedProvider;
  let fallbackReason: string | undefined;
  try {
    const missing = requestedProvider === "cuda"
      ? missingCudaLibraries()
      : undefined;
    if (missing !== undefined) throw new Error(missing);
    session = await createSession(bytes, requestedProvider);
  } catch (error) {
    if (requestedProvider === "cpu") {
      throw new TypeError(
        `Cannot load the ONNX model as ONNX Runtime must accept the graph: current value is ${label} (${
          firstLine(error)
        })`,
      );
    }
    const reason = `the ${requestedProvider} execution provider is ` +
      `unavailable on this machine (${providerFailure(error)})`;
    if (!fallback) {
      throw new Error(
        `Cannot load the ONNX model on ${requestedProvider} as ${reason}`,
      );
    }
    fallbackReason = `${reason}; running on cpu instead`;
    options.log?.(`onnx: ${fallbackReason}`);
    provider = "cpu";
    session = await createSession(bytes, "cpu");
  }

  const graph = proto.graph!;
  const initializers = new Set(
    (graph.initializer ?? []).map((t) => t.name ?? ""),
  );
  const inputs = signatures(graph.input ?? [], initializers);
  const outputs = signatures(graph.output ?? [], new Set());
  const metadata = Object.fromEntries(
    (proto.metadataProps ?? []).map((p) => [p.key ?? "", p.value ?? ""]),
  );

  const maxTime = metadata.maxTime === undefined
    ? undefined
    : Number(metadata.maxTime);

  return {
    path,
    requestedProvider,
    provider,
    fallbackReason,
    inputs,
    outputs,
    metadata,
    async run(feeds) {
      for (const name of Object.keys(feeds)) {
        if (!inputs.some((s) => s.name === name)) {
          throw new TypeError(
            `Cannot run the ONNX model as feeds must name model inputs (${
              inputs.map((s) => `"${s.name}"`).join(", ")
            }): current value is "${name}"`,
          );
        }
      }
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const signature of inputs) {
        const feed = feeds[signature.name];
        checkFeed(signature, feed, maxTime);
        ortFeeds[signature.name] = new ort.Tensor(feed.data, [...feed.shape]);
      }
      const results = await session.run(ortFeeds);
      const out: Record<string, HostTensor> = {};
      for (const [name, tensor] of Object.entries(results)) {
        out[name] = {
          data: tensor.data as Float32Array | Int32Array | BigInt64Array,
          shape: tensor.dims.map(Number),
        };
      }
      return out;
    },
    async release() {
      await session.release();
    },
  };
}

// The kit's atomic writer, re-exported for the export and the tests.
export { writeFileAtomic };
