/**
 * Training kernels for the tfjs wasm backend.
 *
 * The wasm backend of tfjs 4.22 runs inference fast (XNNPACK) but cannot
 * train: it has no `Conv2DBackpropFilter` and no `UnsortedSegmentSum` (the
 * gradient of an embedding gather), and its `BatchMatMul` and
 * `Conv2DBackpropInput` fall back to naive loops that run 10 to 40 times
 * slower than XNNPACK whenever a matrix is transposed, batched, or a
 * convolution is run backwards. {@linkcode registerWasmTrainingKernels}
 * registers replacements built from the backend's fast kernels:
 *
 * - `BatchMatMul`: transposes explicitly, then multiplies row-major blocks
 *   with XNNPACK's fully connected operator, one call for a shared right
 *   operand and one call per batch otherwise.
 * - `Conv2DBackpropInput`: a forward convolution of the output gradient,
 *   dilated by the stride (zeros between rows and columns) and padded,
 *   with the spatially flipped filter whose in and out channels swap.
 * - `Conv2DBackpropFilter`: a forward convolution of the input, transposed
 *   to [inChannels, height, width, batch], with the output gradient,
 *   transposed to [outHeight, outWidth, batch, outChannels], as the
 *   filter; stride and dilation swap roles.
 * - `UnsortedSegmentSum`: a single pass over the rows on the heap.
 * - `Transpose`: merged axes, then whole-row copies or tiled 2-D
 *   transposes (the wasm kernel walks one element at a time).
 * - `Identity` and same-type `Cast`: share the data instead of copying it.
 *   tfjs clones every tensor it saves for the backward pass, so this
 *   removes one copy per saved tensor.
 * - `Sum` and `Mean` over leading axes (batch norm's statistics and
 *   gradients): one pass over the rows, where the wasm kernel transposes
 *   the reduced axes to the end first. Other axes go to the wasm kernel.
 *
 * Note: the replacements keep the attributes of the tfjs kernels and accept
 * an optional `dilations` attribute on the two backprop kernels, which tfjs
 * itself never passes (its conv2d gradient requires dilation 1).
 *
 * @module
 */

import {
  backend_util,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
  util,
} from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  allocate,
  captureOriginal,
  floats,
  gemm,
  offsetOf,
  release,
  run,
  words,
} from "./_wasm_heap.ts";
import { transposeWords } from "./_transpose.ts";

// ------------------------------------------------------- data movement

/** A permuted copy of a 32-bit tensor, by {@linkcode transposeWords}. */
function permute(
  backend: BackendWasm,
  x: TensorInfo,
  perm: number[],
): TensorInfo {
  const out = backend.makeOutput(perm.map((axis) => x.shape[axis]), x.dtype);
  transposeWords(words(backend, x), words(backend, out), x.shape, perm);
  return out;
}

const transpose: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const { x } = inputs as { x: TensorInfo };
  const { perm } = attrs as { perm: number[] };
  if (x.dtype !== "float32" && x.dtype !== "int32") {
    return run(wasm, "Transpose", { x }, { perm });
  }
  return permute(wasm, x, perm);
};

// Tensors are immutable, so a copy can share the data (as the cpu backend
// does). tfjs clones every tensor it saves for the backward pass.
function share(backend: BackendWasm, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

const identity: KernelFunc = ({ inputs, backend }) => {
  const wasm = backend as BackendWasm;
  const { x } = inputs as { x: TensorInfo };
  if (x.dtype === "string") return run(wasm, "Identity", { x }, {});
  return share(wasm, x);
};

const cast: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const { x } = inputs as { x: TensorInfo };
  const { dtype } = attrs as { dtype: string };
  if (x.dtype === dtype && dtype !== "string") return share(wasm, x);
  return run(wasm, "Cast", { x }, attrs ?? {});
};

// ------------------------------------------------------------ reductions

/** Sums (or averages) over leading axes as a pass over rows, where the wasm
 * kernel would transpose the reduced axes to the end first. */
function reduceLeading(
  kernelName: "Sum" | "Mean",
): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const { x } = inputs as { x: TensorInfo };
    const { axis, keepDims = false } = attrs as {
      axis: number | number[];
      keepDims?: boolean;
    };
    const rank = x.shape.length;
    const axes = util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < rank &&
      axes.every((a, i) => a === i);
    if (!leading || x.dtype !== "float32") {
      return run(wasm, kernelName, { x }, attrs ?? {});
    }
    const rows = util.sizeFromShape(x.shape.slice(0, axes.length));
    const cols = util.sizeFromShape(x.shape.slice(axes.length));
    const outShape = keepDims
      ? x.shape.map((size, i) => (i < axes.length ? 1 : size))
      : x.shape.slice(axes.length);
    const out = allocate(wasm, outShape);
    const totals = new Float64Array(cols);
    const values = floats(wasm, x);
    // Four rows per pass: a quarter of the updates to the totals.
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const b0 = r * cols;
      const b1 = b0 + cols;
      const b2 = b1 + cols;
      const b3 = b2 + cols;
      for (let c = 0; c < cols; c++) {
        totals[c] += values[b0 + c] + values[b1 + c] + values[b2 + c] +
          values[b3 + c];
      }
    }
    for (; r < rows; r++) {
      const base = r * cols;
      for (let c = 0; c < cols; c++) totals[c] += values[base + c];
    }
    const scale = kernelName === "Mean" && rows > 0 ? 1 / rows : 1;
    const target = floats(wasm, out);
    for (let c = 0; c < cols; c++) target[c] = totals[c] * scale;
    return out;
  };
}

// ---------------------------------------------------------------- matmul

function transposeLastTwo(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return permute(backend, x, perm);
}

/** Index of the operand's batch block for output batch `index`, under
 * numpy broadcasting of `operand` against `outer`. */
function broadcastIndex(
  index: number,
  outer: number[],
  operand: number[],
): number {
  let result = 0;
  let stride = 1;
  let rest = index;
  const shift = outer.length - operand.length;
  for (let axis = outer.length - 1; axis >= 0; axis--) {
    const coordinate = rest % outer[axis];
    rest = Math.floor(rest / outer[axis]);
    const own = axis - shift;
    if (own >= 0) {
      if (operand[own] !== 1) result += coordinate * stride;
      stride *= operand[own];
    }
  }
  return result;
}

// XNNPACK streams a whole packed panel of the right operand (k x 8 floats)
// per block of rows; past a few hundred k the panel leaves the L1 cache and
// the product runs at half speed. Weight gradients (x^T dy over every token
// or pixel) have k in the thousands, so they are cut into blocks of k.
const K_BLOCK = 512;

/** out[m, n] = a^T b for a [k, m] and b [k, n], in blocks of K_BLOCK rows:
 * each block of a is transposed into a scratch [m, kb] and its product
 * added to out. */
function gemmTransposedLeft(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  out: TensorInfo,
  m: number,
  k: number,
  n: number,
): void {
  const block = allocate(backend, [m, K_BLOCK]);
  const partial = allocate(backend, [m, n]);
  const bAt = offsetOf(backend, b);
  for (let k0 = 0; k0 < k; k0 += K_BLOCK) {
    const kb = Math.min(K_BLOCK, k - k0);
    const source = words(backend, a).subarray(k0 * m, (k0 + kb) * m);
    const target = words(backend, block).subarray(0, m * kb);
    transposeWords(source, target, [kb, m], [1, 0]);
    const first = k0 === 0;
    gemm(
      backend,
      offsetOf(backend, block),
      bAt + 4 * k0 * n,
      offsetOf(backend, first ? out : partial),
      m,
      kb,
      n,
    );
    if (!first) {
      const total = floats(backend, out);
      const add = floats(backend, partial);
      for (let i = 0; i < total.length; i++) total[i] += add[i];
    }
  }
  release(backend, block);
  release(backend, partial);
}

const batchMatMul: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA = false, transposeB = false } = attrs as {
    transposeA?: boolean;
    transposeB?: boolean;
  };
  if (a.dtype !== "float32" || b.dtype !== "float32") {
    throw new TypeError(
      `Cannot multiply matrices as both must be float32: current values are ${a.dtype}, ${b.dtype}`,
    );
  }
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const m = a.shape[aRank - (transposeA ? 1 : 2)];
  const k = a.shape[aRank - (transposeA ? 2 : 1)];
  const kOfB = b.shape[bRank - (transposeB ? 1 : 2)];
  const n = b.shape[bRank - (transposeB ? 2 : 1)];
  if (k !== kOfB) {
    throw new RangeError(
      `Cannot multiply matrices as inner dimensions must agree: current values are ${k}, ${kOfB}`,
    );
  }
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const outer = backend_util.assertAndGetBroadcastShape(outerA, outerB);
  const batchA = util.sizeFromShape(outerA);
  const batchB = util.sizeFromShape(outerB);
  const batch = util.sizeFromShape(outer);

  if (
    transposeA && batchA === 1 && batchB === 1 && k > K_BLOCK &&
    a.dtype === "float32"
  ) {
    const right = transposeB ? transposeLastTwo(wasm, b) : b;
    const out = allocate(wasm, [...outer, m, n]);
    gemmTransposedLeft(wasm, a, right, out, m, k, n);
    if (right !== b) release(wasm, right);
    return out;
  }
  const left = transposeA ? transposeLastTwo(wasm, a) : a;
  const right = transposeB ? transposeLastTwo(wasm, b) : b;
  const out = allocate(wasm, [...outer, m, n]);
  const leftAt = offsetOf(wasm, left);
  const rightAt = offsetOf(wasm, right);
  const outAt = offsetOf(wasm, out);
  if (batchB === 1) {
    // Every batch of a meets the same b: one tall product.
    gemm(wasm, leftAt, rightAt, outAt, batchA * m, k, n);
  } else {
    for (let i = 0; i < batch; i++) {
      const ia = batchA === batch ? i : broadcastIndex(i, outer, outerA);
      const ib = batchB === batch ? i : broadcastIndex(i, outer, outerB);
      gemm(
        wasm,
        leftAt + 4 * ia * m * k,
        rightAt + 4 * ib * k * n,
        outAt + 4 * i * m * n,
        m,
        k,
        n,
      );
    }
  }
  if (left !== a) release(wasm, left);
  if (right !== b) release(wasm, right);
  return out;
};

// ---------------------------------------------------------- convolutions

interface ConvAttrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | backend_util.ExplicitPadding;
  dataFormat?: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
  dilations?: number | [number, number];
}

function requireChannelsLast(action: string, attrs: ConvAttrs): void {
  if ((attrs.dataFormat ?? "NHWC") !== "NHWC") {
    throw new RangeError(
      `Cannot ${action} as dataFormat must be "NHWC" on wasm: current value is "${attrs.dataFormat}"`,
    );
  }
}

function forwardConv(
  backend: BackendWasm,
  x: TensorInfo,
  filter: TensorInfo,
  strides: [number, number],
  dilations: [number, number],
  pads: [number, number, number, number],
): TensorInfo {
  const [top, bottom, left, right] = pads;
  return run(backend, "Conv2D", { x, filter }, {
    strides,
    dilations,
    pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
    dataFormat: "NHWC",
  });
}

/** Writes `dy` [batch, rows, cols, channels] into a zeroed tensor with
 * `stride - 1` zeros between rows and columns and the given border (a
 * negative border crops). */
function dilateAndPad(
  backend: BackendWasm,
  dy: TensorInfo,
  stride: [number, number],
  border: [number, number, number, number],
): TensorInfo {
  const [batch, rows, cols, channels] = dy.shape;
  const [top, bottom, left, right] = border;
  const height = (rows - 1) * stride[0] + 1 + top + bottom;
  const width = (cols - 1) * stride[1] + 1 + left + right;
  const out = allocate(backend, [batch, height, width, channels]);
  const target = floats(backend, out);
  const source = floats(backend, dy);
  target.fill(0);
  for (let n = 0; n < batch; n++) {
    for (let i = 0; i < rows; i++) {
      const u = i * stride[0] + top;
      if (u < 0 || u >= height) continue;
      for (let j = 0; j < cols; j++) {
        const v = j * stride[1] + left;
        if (v < 0 || v >= width) continue;
        const from = ((n * rows + i) * cols + j) * channels;
        const to = ((n * height + u) * width + v) * channels;
        target.set(source.subarray(from, from + channels), to);
      }
    }
  }
  return out;
}

const conv2DBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const convAttrs = attrs as unknown as ConvAttrs & { inputShape: number[] };
  requireChannelsLast("compute the input gradient", convAttrs);
  const info = backend_util.computeConv2DInfo(
    convAttrs.inputShape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    convAttrs.strides,
    convAttrs.dilations ?? 1,
    convAttrs.pad,
    convAttrs.dimRoundingMode,
  );
  const dilation: [number, number] = [info.dilationHeight, info.dilationWidth];
  const stride: [number, number] = [info.strideHeight, info.strideWidth];

  // The flipped filter [kh, kw, outChannels, inChannels].
  const flipped = run(wasm, "Reverse", { x: filter }, { dims: [0, 1] });
  const swapped = permute(wasm, flipped, [0, 1, 3, 2]);
  release(wasm, flipped);

  // Border around the dilated gradient so that a stride-1 forward
  // convolution lands on every input position.
  const spanHeight = (info.filterHeight - 1) * dilation[0];
  const spanWidth = (info.filterWidth - 1) * dilation[1];
  const top = spanHeight - info.padInfo.top;
  const left = spanWidth - info.padInfo.left;
  const bottom = info.inHeight - ((info.outHeight - 1) * stride[0] + 1) -
    top + spanHeight;
  const right = info.inWidth - ((info.outWidth - 1) * stride[1] + 1) -
    left + spanWidth;
  const border: [number, number, number, number] = [top, bottom, left, right];

  let result: TensorInfo;
  if (stride[0] === 1 && stride[1] === 1 && border.every((p) => p >= 0)) {
    result = forwardConv(wasm, dy, swapped, [1, 1], dilation, border);
  } else {
    const spread = dilateAndPad(wasm, dy, stride, border);
    result = forwardConv(wasm, spread, swapped, [1, 1], dilation, [0, 0, 0, 0]);
    release(wasm, spread);
  }
  release(wasm, swapped);
  return result;
};

const conv2DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const convAttrs = attrs as unknown as ConvAttrs & { filterShape: number[] };
  requireChannelsLast("compute the filter gradient", convAttrs);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    convAttrs.filterShape as [number, number, number, number],
    convAttrs.strides,
    convAttrs.dilations ?? 1,
    convAttrs.pad,
    convAttrs.dimRoundingMode,
  );
  const stride: [number, number] = [info.strideHeight, info.strideWidth];
  const dilation: [number, number] = [info.dilationHeight, info.dilationWidth];

  // dW[p, q, c, o] = sum over n, i, j of
  //   xPadded[n, i * stride + p * dilation, j * stride + q * dilation, c]
  //   * dy[n, i, j, o]
  // which is a convolution over x^T [c, H, W, n] with dy^T [i, j, n, o].
  const inputT = permute(wasm, x, [3, 1, 2, 0]);
  const gradT = permute(wasm, dy, [1, 2, 0, 3]);
  const needHeight = (info.filterHeight - 1) * dilation[0] +
    (info.outHeight - 1) * stride[0] + 1;
  const needWidth = (info.filterWidth - 1) * dilation[1] +
    (info.outWidth - 1) * stride[1] + 1;
  const bottom = Math.max(0, needHeight - info.inHeight - info.padInfo.top);
  const right = Math.max(0, needWidth - info.inWidth - info.padInfo.left);
  const raw = forwardConv(wasm, inputT, gradT, dilation, stride, [
    info.padInfo.top,
    bottom,
    info.padInfo.left,
    right,
  ]);
  release(wasm, inputT);
  release(wasm, gradT);

  // Rows past the filter size (inputs the forward pass never read) are
  // dropped.
  const [channels, rows, cols, outChannels] = raw.shape;
  let cropped = raw;
  if (rows !== info.filterHeight || cols !== info.filterWidth) {
    cropped = run(wasm, "Slice", { x: raw }, {
      begin: [0, 0, 0, 0],
      size: [channels, info.filterHeight, info.filterWidth, outChannels],
    });
    release(wasm, raw);
  }
  const result = permute(wasm, cropped, [1, 2, 0, 3]);
  release(wasm, cropped);
  return result;
};

// ------------------------------------------------------------ segments

const unsortedSegmentSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = backend as BackendWasm;
  const { x, segmentIds } = inputs as {
    x: TensorInfo;
    segmentIds: TensorInfo;
  };
  const { numSegments } = attrs as { numSegments: number };
  if (x.dtype !== "float32") {
    throw new TypeError(
      `Cannot sum segments on wasm as values must be float32: current value is ${x.dtype}`,
    );
  }
  const rows = util.sizeFromShape(segmentIds.shape);
  const inner = rows === 0 ? 0 : util.sizeFromShape(x.shape) / rows;
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const out = allocate(wasm, outShape);
  const target = floats(wasm, out);
  const values = floats(wasm, x);
  const ids = wasm.typedArrayFromHeap(segmentIds);
  target.fill(0);
  for (let row = 0; row < rows; row++) {
    const segment = ids[row];
    // Like TensorFlow, ids outside [0, numSegments) are dropped.
    if (segment < 0 || segment >= numSegments) continue;
    const from = row * inner;
    const to = segment * inner;
    for (let e = 0; e < inner; e++) target[to + e] += values[from + e];
  }
  return out;
};

// ---------------------------------------------------------- registration

/** The kernels that {@linkcode registerWasmTrainingKernels} adds to, or
 * replaces in, the wasm backend. */
export const wasmTrainingKernelNames: readonly string[] = [
  "BatchMatMul",
  "Conv2DBackpropInput",
  "Conv2DBackpropFilter",
  "UnsortedSegmentSum",
  "Transpose",
  "Identity",
  "Cast",
  "Sum",
  "Mean",
];

const implementations: Record<string, KernelFunc> = {
  BatchMatMul: batchMatMul,
  Conv2DBackpropInput: conv2DBackpropInput,
  Conv2DBackpropFilter: conv2DBackpropFilter,
  UnsortedSegmentSum: unsortedSegmentSum,
  Transpose: transpose,
  Identity: identity,
  Cast: cast,
  Sum: reduceLeading("Sum"),
  Mean: reduceLeading("Mean"),
};

let registered = false;

/**
 * Registers the training kernels of this module for the backend named
 * `"wasm"` ({@linkcode wasmTrainingKernelNames}), replacing the wasm
 * backend's own versions where it has them. Calling it again does nothing.
 *
 * Import `@tensorflow/tfjs-backend-wasm` before calling it. It may run before
 * or after the backend is initialised.
 *
 * @throws {Error} when the wasm backend's kernels are not registered (the
 * package was not imported).
 *
 * @example Register, then train on wasm
 * ```ts
 * import "@tensorflow/tfjs-backend-wasm";
 * import { registerWasmTrainingKernels } from "./wasm_kernels.ts";
 *
 * registerWasmTrainingKernels();
 * ```
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  for (const dependency of ["Conv2D", "Transpose", "Reverse", "Slice"]) {
    captureOriginal(dependency);
  }
  for (const kernelName of wasmTrainingKernelNames) {
    let setupFunc: KernelConfig["setupFunc"];
    if (getKernel(kernelName, "wasm") !== undefined) {
      // The original's setup binds its C++ entry point, which `run` and
      // `gemm` still use.
      setupFunc = captureOriginal(kernelName).setupFunc;
      unregisterKernel(kernelName, "wasm");
    }
    registerKernel({
      kernelName,
      backendName: "wasm",
      kernelFunc: implementations[kernelName],
      setupFunc,
    });
  }
  registered = true;
}
