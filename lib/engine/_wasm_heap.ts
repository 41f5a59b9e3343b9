// Low-level helpers shared by the wasm training kernels: calling the wasm
// backend's own kernels on TensorInfos, zero-copy views into the wasm heap,
// and a row-major GEMM that always reaches XNNPACK.
//
// Ownership rule for every helper here: a TensorInfo returned by `run` or
// `allocate` belongs to the caller, who either returns it from a kernel (the
// engine then owns it) or hands it to `release`. Views made by `withViews`
// never own memory and are unregistered before `withViews` returns.

import {
  type DataType,
  getKernel,
  type KernelConfig,
  type NamedAttrMap,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/** The kernel implementations of the wasm backend, captured before any
 * override so that a replaced kernel can still reach the original. */
const originals = new Map<string, KernelConfig>();

/** Remembers, and returns, the wasm backend's own `kernelName` config. */
export function captureOriginal(kernelName: string): KernelConfig {
  const known = originals.get(kernelName);
  if (known !== undefined) return known;
  const config = getKernel(kernelName, "wasm");
  if (config === undefined) {
    throw new Error(
      `Cannot capture the wasm kernel as it is not registered: current value is "${kernelName}"`,
    );
  }
  originals.set(kernelName, config);
  return config;
}

/** Runs the wasm backend's own `kernelName` on TensorInfos. */
export function run(
  backend: BackendWasm,
  kernelName: string,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap,
): TensorInfo {
  const { kernelFunc } = captureOriginal(kernelName);
  const result = kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(result)) {
    throw new Error(
      `Cannot run the wasm kernel as it must return one tensor: current value is "${kernelName}"`,
    );
  }
  return result;
}

/** Frees a TensorInfo that a helper or kernel allocated. */
export function release(backend: BackendWasm, info: TensorInfo): void {
  backend.disposeData(info.dataId);
}

/** Allocates an uninitialised float32 tensor on the wasm heap. */
export function allocate(backend: BackendWasm, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, "float32");
}

// The Emscripten module's own members are missing from the backend's types.
function heap(backend: BackendWasm): Uint8Array {
  return Reflect.get(backend.wasm, "HEAPU8");
}

/** The heap offset, in bytes, of a tensor's first element. */
export function offsetOf(backend: BackendWasm, info: TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).memoryOffset;
}

/** The id under which the C++ side of the backend knows a tensor. */
export function idOf(backend: BackendWasm, info: TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).id;
}

/** A live float32 view of a tensor's elements on the wasm heap. Call again
 * after any allocation: a growing heap detaches older views. */
export function floats(backend: BackendWasm, info: TensorInfo): Float32Array {
  const size = info.shape.reduce((a, b) => a * b, 1);
  const buffer = heap(backend).buffer;
  return new Float32Array(buffer, offsetOf(backend, info), size);
}

/** A live view of a float32 or int32 tensor's 32-bit words. */
export function words(backend: BackendWasm, info: TensorInfo): Int32Array {
  const size = info.shape.reduce((a, b) => a * b, 1);
  const buffer = heap(backend).buffer;
  return new Int32Array(buffer, offsetOf(backend, info), size);
}

/** Registers tensors that alias existing heap memory, runs `body` with them,
 * then unregisters them without freeing the memory they point at. */
export function withViews<T>(
  backend: BackendWasm,
  views: { shape: number[]; offset: number; dtype?: DataType }[],
  body: (infos: TensorInfo[]) => T,
): T {
  const infos = views.map((view) =>
    backend.makeOutput(view.shape, view.dtype ?? "float32", view.offset)
  );
  try {
    return body(infos);
  } finally {
    for (const info of infos) {
      backend.wasm.tfjs.disposeData(idOf(backend, info));
      backend.dataIdMap.delete(info.dataId);
    }
  }
}

type CwrappedMatMul = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  transposeA: boolean,
  transposeB: boolean,
  outId: number,
) => void;

const matMulByBackend = new WeakMap<BackendWasm, CwrappedMatMul>();

function cwrappedMatMul(backend: BackendWasm): CwrappedMatMul {
  let fn = matMulByBackend.get(backend);
  if (fn === undefined) {
    const cwrap = Reflect.get(backend.wasm, "cwrap");
    fn = cwrap("BatchMatMul", null, [
      "number",
      "array",
      "number",
      "number",
      "array",
      "number",
      "number",
      "number",
      "number",
    ]) as CwrappedMatMul;
    matMulByBackend.set(backend, fn);
  }
  return fn;
}

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

/**
 * out[M, N] = a[M, K] @ b[K, N] on row-major float32 blocks given by heap
 * byte offsets, through XNNPACK's fully connected operator. The operator is
 * created for a fresh view id and deleted with it, so no packed weights
 * outlive the call.
 */
export function gemm(
  backend: BackendWasm,
  a: number,
  b: number,
  out: number,
  m: number,
  k: number,
  n: number,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    new Float32Array(heap(backend).buffer, out, m * n).fill(0);
    return;
  }
  const matMul = cwrappedMatMul(backend);
  withViews(backend, [
    { shape: [1, m, k], offset: a },
    { shape: [1, k, n], offset: b },
    { shape: [1, m, n], offset: out },
  ], ([aView, bView, outView]) => {
    matMul(
      idOf(backend, aView),
      shapeBytes([1, m, k]),
      3,
      idOf(backend, bView),
      shapeBytes([1, k, n]),
      3,
      false,
      false,
      idOf(backend, outView),
    );
  });
}
