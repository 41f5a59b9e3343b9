// The wasm training kernels against the cpu backend, a plain-loop oracle and
// finite differences, over strides, paddings, dilations and odd shapes.

import * as tf from "@tensorflow/tfjs-core";
import { assert } from "./_assert.ts";
import { useBackend } from "../lib/engine/backend.ts";
import { wasmTrainingKernelNames } from "../lib/engine/wasm_kernels.ts";

type Pad = "same" | "valid" | number | [
  [number, number],
  [number, number],
  [number, number],
  [number, number],
];

/** Runs `f` on the cpu and the wasm backends and returns both results. */
async function onCpuAndWasm(
  f: () => tf.Tensor,
): Promise<[Float32Array, Float32Array, number[]]> {
  await useBackend("cpu");
  const onCpu = f();
  const expected = Float32Array.from(await onCpu.data() as Float32Array);
  onCpu.dispose();
  await useBackend("wasm");
  const onWasm = f();
  const actual = Float32Array.from(await onWasm.data() as Float32Array);
  const shape = onWasm.shape;
  onWasm.dispose();
  return [expected, actual, shape];
}

function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: number,
  label: string,
): void {
  assert.deepEqual(actual.length, expected.length, `${label}: length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]));
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / scale);
  }
  assert(worst <= tolerance, `${label}: worst relative error ${worst}`);
}

/** A deterministic pseudo-random tensor (no tfjs RNG: both backends must
 * see the same values). */
function fixed(shape: number[], seed: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  let state = seed * 2654435761 % 4294967296;
  for (let i = 0; i < size; i++) {
    state = (state * 1664525 + 1013904223) % 4294967296;
    values[i] = state / 4294967296 - 0.5;
  }
  return tf.tensor(values, shape);
}

/** dx and dW of a convolution, by the defining sums (the oracle). */
function referenceConvGradients(
  x: Float32Array,
  xShape: number[],
  w: Float32Array,
  wShape: number[],
  dy: Float32Array,
  dyShape: number[],
  stride: [number, number],
  dilation: [number, number],
  top: number,
  left: number,
): { dx: Float64Array; dw: Float64Array } {
  const [n, h, wd, c] = xShape;
  const [kh, kw, , o] = wShape;
  const [, oh, ow] = dyShape;
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let p = 0; p < kh; p++) {
          const r = i * stride[0] + p * dilation[0] - top;
          if (r < 0 || r >= h) continue;
          for (let q = 0; q < kw; q++) {
            const s = j * stride[1] + q * dilation[1] - left;
            if (s < 0 || s >= wd) continue;
            for (let ci = 0; ci < c; ci++) {
              const xi = ((b * h + r) * wd + s) * c + ci;
              for (let co = 0; co < o; co++) {
                const g = dy[((b * oh + i) * ow + j) * o + co];
                const wi = ((p * kw + q) * c + ci) * o + co;
                dx[xi] += g * w[wi];
                dw[wi] += g * x[xi];
              }
            }
          }
        }
      }
    }
  }
  return { dx, dw };
}

Deno.test("registerWasmTrainingKernels() covers the kernels the wasm backend lacks or runs slowly", async () => {
  await useBackend("wasm");
  for (const name of wasmTrainingKernelNames) {
    assert(tf.getKernel(name, "wasm") !== undefined, name);
  }
  assert.deepEqual([...wasmTrainingKernelNames].sort(), [
    "BatchMatMul",
    "Cast",
    "Conv2DBackpropFilter",
    "Conv2DBackpropInput",
    "Identity",
    "Mean",
    "Sum",
    "Transpose",
    "UnsortedSegmentSum",
  ]);
});

Deno.test("Transpose on wasm matches cpu for every permutation shape class, float32 and int32", async () => {
  const cases: [number[], number[]][] = [
    [[7, 5], [1, 0]],
    [[3, 1, 4], [2, 1, 0]],
    [[2, 3, 4, 5], [3, 1, 2, 0]],
    [[2, 3, 4, 5], [1, 2, 0, 3]],
    [[2, 3, 4, 5], [0, 2, 1, 3]],
    [[2, 3, 4, 5], [0, 1, 3, 2]],
    [[4, 33, 70], [0, 2, 1]],
    [[65, 3, 2], [1, 2, 0]],
    [[2, 1, 3, 1, 2], [4, 3, 2, 1, 0]],
    [[6, 4], [0, 1]],
  ];
  for (const [shape, perm] of cases) {
    const x = fixed(shape, 19);
    const [expected, actual, outShape] = await onCpuAndWasm(() =>
      tf.transpose(x, perm)
    );
    assert.deepEqual(outShape, perm.map((axis) => shape[axis]));
    assert.deepEqual(actual, expected, `${shape} by ${perm}`);
    x.dispose();
  }
  await useBackend("wasm");
  const ids = tf.tensor3d(
    [1, -2, 3, 2147483647, -2147483648, 6],
    [1, 2, 3],
    "int32",
  );
  const moved = tf.transpose(ids, [2, 0, 1]);
  assert.equal(moved.dtype, "int32");
  assert.deepEqual(Array.from(moved.dataSync()), [
    1,
    2147483647,
    -2,
    -2147483648,
    3,
    6,
  ]);
  tf.dispose([ids, moved]);
});

Deno.test("Sum and Mean on wasm match cpu over leading axes, other axes and keepDims", async () => {
  const x = fixed([4, 3, 5, 2], 20);
  const odd = fixed([3, 5, 7], 21);
  for (const axis of [0, [0, 1]]) {
    const [expected, actual] = await onCpuAndWasm(() => tf.sum(odd, axis));
    assertAllClose(actual, expected, 1e-6, `odd rows over ${axis}`);
  }
  odd.dispose();
  const cases: [number | number[], boolean][] = [
    [[0, 1, 2], false],
    [[0, 1, 2], true],
    [0, false],
    [[-4, -3], true],
    [[1, 2], false],
    [[0, 1, 2, 3], false],
    [3, true],
  ];
  for (const [axis, keepDims] of cases) {
    for (const op of [tf.sum, tf.mean]) {
      const [expected, actual, shape] = await onCpuAndWasm(() =>
        op(x, axis, keepDims)
      );
      const label = `${op.name} over ${axis}, keepDims ${keepDims}`;
      assertAllClose(actual, expected, 1e-6, label);
      await useBackend("cpu");
      assert.deepEqual(shape, op(x, axis, keepDims).shape, label);
    }
  }
  x.dispose();
});

Deno.test("Identity and same-type Cast on wasm share data, and other casts convert", async () => {
  await useBackend("wasm");
  const backend = tf.backend();
  const x = tf.tensor2d([[1.5, -2.5], [3, 4]]);
  const before = backend.numDataIds();
  const copy = tf.clone(x);
  const same = tf.cast(x, "float32");
  assert.equal(backend.numDataIds(), before, "no new data");
  x.dispose();
  assert.deepEqual(Array.from(copy.dataSync()), [1.5, -2.5, 3, 4]);
  assert.deepEqual(Array.from(same.dataSync()), [1.5, -2.5, 3, 4]);
  const whole = tf.cast(copy, "int32");
  assert.equal(whole.dtype, "int32");
  assert.deepEqual(Array.from(whole.dataSync()), [1, -2, 3, 4]);
  tf.dispose([copy, same, whole]);
});

Deno.test("BatchMatMul on wasm matches the defining sums for transposes, broadcasting and odd shapes", async () => {
  const cases: [string, number[], number[], boolean, boolean][] = [
    ["2d", [7, 5], [5, 3], false, false],
    ["2d transposeA", [5, 7], [5, 3], true, false],
    ["2d transposeB", [7, 5], [3, 5], false, true],
    ["2d both", [5, 7], [3, 5], true, true],
    ["batched", [4, 7, 5], [4, 5, 3], false, false],
    ["batched transposeB", [4, 7, 5], [4, 3, 5], false, true],
    ["batched transposeA", [4, 5, 7], [4, 5, 3], true, false],
    ["shared right operand", [2, 3, 7, 5], [5, 3], false, false],
    ["shared left operand", [7, 5], [3, 5, 2], false, false],
    ["broadcast batch", [2, 1, 7, 5], [1, 3, 5, 2], false, false],
    ["vector rows", [1, 9], [9, 1], false, false],
    ["empty inner", [3, 0], [0, 4], false, false],
    // Inner sizes past one block of 512 take the blocked path.
    ["long inner transposeA", [1100, 7], [1100, 3], true, false],
    ["long inner both", [1025, 6], [5, 1025], true, true],
  ];
  await useBackend("wasm");
  for (const [label, aShape, bShape, ta, tb] of cases) {
    const a = fixed(aShape, 1);
    const b = fixed(bShape, 2);
    const product = tf.matMul(a, b, ta, tb);
    // An empty inner dimension gives zeros (nested arrays lose its shape).
    const expected = a.size === 0
      ? [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
      : referenceMatMul(
        a.arraySync() as Nested,
        b.arraySync() as Nested,
        ta,
        tb,
      );
    assert.deepEqual(product.shape, shapeOf(expected), `${label}: shape`);
    assertAllClose(
      product.dataSync(),
      flatten(expected),
      1e-5,
      label,
    );
    tf.dispose([a, b, product]);
  }
  // The cpu backend agrees where it supports the case.
  const a = fixed([4, 7, 5], 3);
  const b = fixed([4, 3, 5], 4);
  const [onCpu, onWasm] = await onCpuAndWasm(() =>
    tf.matMul(a, b, false, true)
  );
  assertAllClose(onWasm, onCpu, 1e-5, "cpu");
  tf.dispose([a, b]);
});

type Nested = number | Nested[];

function shapeOf(x: Nested): number[] {
  return Array.isArray(x) ? [x.length, ...(x.length ? shapeOf(x[0]) : [])] : [];
}

function flatten(x: Nested): number[] {
  return Array.isArray(x) ? x.flatMap(flatten) : [x];
}

/** Matrix product with numpy broadcasting, by the defining sums. */
function referenceMatMul(
  a: Nested,
  b: Nested,
  transposeA: boolean,
  transposeB: boolean,
): Nested {
  const aShape = shapeOf(a);
  const bShape = shapeOf(b);
  if (aShape.length === 2 && bShape.length === 2) {
    const A = a as number[][];
    const B = b as number[][];
    const m = transposeA ? aShape[1] : aShape[0];
    const k = transposeA ? aShape[0] : aShape[1];
    const n = transposeB ? bShape[0] : bShape[1];
    const out: number[][] = [];
    for (let i = 0; i < m; i++) {
      out.push([]);
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let e = 0; e < k; e++) {
          sum += (transposeA ? A[e][i] : A[i][e]) *
            (transposeB ? B[j][e] : B[e][j]);
        }
        out[i].push(sum);
      }
    }
    return out;
  }
  // Peel one batch axis, broadcasting a missing or unit axis.
  const aBatch = aShape.length > bShape.length || (aShape.length ===
      bShape.length && aShape.length > 2);
  const bBatch = bShape.length > aShape.length || (aShape.length ===
      bShape.length && bShape.length > 2);
  const count = Math.max(aBatch ? aShape[0] : 1, bBatch ? bShape[0] : 1);
  const out: Nested[] = [];
  for (let i = 0; i < count; i++) {
    const ai = aBatch ? (a as Nested[])[aShape[0] === 1 ? 0 : i] : a;
    const bi = bBatch ? (b as Nested[])[bShape[0] === 1 ? 0 : i] : b;
    out.push(referenceMatMul(ai, bi, transposeA, transposeB));
  }
  return out;
}

const convCases: { stride: number; pad: Pad; filter: [number, number] }[] = [];
for (const stride of [1, 2, 3]) {
  for (const pad of ["same", "valid", 1, [[0, 0], [2, 0], [1, 2], [0, 0]]]) {
    for (const filter of [[1, 1], [3, 3], [2, 3]] as [number, number][]) {
      convCases.push({ stride, pad: pad as Pad, filter });
    }
  }
}

Deno.test("Conv2DBackpropInput and Conv2DBackpropFilter on wasm match cpu over strides, paddings and odd shapes", async () => {
  const x = fixed([2, 9, 8, 3], 3);
  for (const { stride, pad, filter } of convCases) {
    const label = `stride ${stride}, pad ${
      JSON.stringify(pad)
    }, filter ${filter}`;
    const w = fixed([...filter, 3, 5], 4);
    const outShape = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad)
      .shape;
    const dy = fixed(outShape, 5);
    const [dxCpu, dxWasm] = await onCpuAndWasm(() =>
      tf.conv2dTranspose(
        dy as tf.Tensor4D,
        w as tf.Tensor4D,
        x.shape as [number, number, number, number],
        stride,
        pad,
      )
    );
    assertAllClose(dxWasm, dxCpu, 1e-5, `dx, ${label}`);
    const [dwCpu, dwWasm, dwShape] = await onCpuAndWasm(() =>
      tf.grad((kernel: tf.Tensor) =>
        tf.sum(tf.mul(
          tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, stride, pad),
          dy,
        ))
      )(w)
    );
    assert.deepEqual(dwShape, w.shape);
    assertAllClose(dwWasm, dwCpu, 1e-5, `dw, ${label}`);
    w.dispose();
    dy.dispose();
  }
  x.dispose();
});

Deno.test("the conv backprop kernels on wasm honour dilations, checked against the defining sums", async () => {
  await useBackend("wasm");
  const cases: {
    dilation: [number, number];
    pad: Pad;
    x: number[];
    w: number[];
  }[] = [
    { dilation: [2, 2], pad: "valid", x: [2, 9, 8, 3], w: [3, 3, 3, 4] },
    { dilation: [2, 3], pad: "same", x: [1, 7, 10, 2], w: [2, 3, 2, 3] },
    {
      dilation: [3, 1],
      pad: [[0, 0], [1, 3], [0, 2], [0, 0]],
      x: [2, 11, 5, 1],
      w: [3, 2, 1, 2],
    },
  ];
  for (const { dilation, pad, x: xShape, w: wShape } of cases) {
    const x = fixed(xShape, 6);
    const w = fixed(wShape, 7);
    const info = tf.backend_util.computeConv2DInfo(
      xShape as [number, number, number, number],
      wShape as [number, number, number, number],
      1,
      dilation,
      pad,
    );
    const dy = fixed(info.outShape, 8);
    const attrs = {
      strides: [1, 1],
      pad,
      dataFormat: "NHWC",
      dilations: dilation,
    } as unknown as tf.NamedAttrMap;
    const dx = tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: w }, {
      ...attrs,
      inputShape: xShape,
    }) as tf.Tensor;
    const dw = tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
      ...attrs,
      filterShape: wShape,
    }) as tf.Tensor;
    const expected = referenceConvGradients(
      x.dataSync() as Float32Array,
      xShape,
      w.dataSync() as Float32Array,
      wShape,
      dy.dataSync() as Float32Array,
      info.outShape,
      [1, 1],
      dilation,
      info.padInfo.top,
      info.padInfo.left,
    );
    const label = `dilation ${dilation}, pad ${JSON.stringify(pad)}`;
    assertAllClose(dx.dataSync(), expected.dx, 1e-5, `dx, ${label}`);
    assertAllClose(dw.dataSync(), expected.dw, 1e-5, `dw, ${label}`);
    tf.dispose([x, w, dy, dx, dw]);
  }
});

Deno.test("conv2d gradients on wasm agree with finite differences", async () => {
  await useBackend("wasm");
  // The loss is linear in each argument, so a central difference with a
  // unit step is exact up to float32 rounding of the loss.
  for (const [stride, pad] of [[1, "same"], [2, 1], [3, "valid"]] as const) {
    const x = fixed([2, 8, 7, 3], 9);
    const w = fixed([3, 3, 3, 4], 10);
    const out = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad);
    const r = fixed(out.shape, 11);
    const loss = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(
        tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), r),
      );
    const [dx, dw] = tf.grads(loss)([x, w]);
    for (const [target, grad, which] of [[x, dx, 0], [w, dw, 1]] as const) {
      const base = target.dataSync() as Float32Array;
      const analytic = grad.dataSync();
      for (
        const index of [0, 5, Math.floor(base.length / 2), base.length - 1]
      ) {
        const values = [1, -1].map((sign) => {
          const moved = Float32Array.from(base);
          moved[index] += sign;
          const t = tf.tensor(moved, target.shape);
          const value = which === 0
            ? loss(t, w).dataSync()[0]
            : loss(x, t).dataSync()[0];
          t.dispose();
          return value;
        });
        const numeric = (values[0] - values[1]) / 2;
        assert(
          Math.abs(numeric - analytic[index]) <=
            1e-3 * Math.max(1, Math.abs(numeric)),
          `stride ${stride}, pad ${pad}, arg ${which}, index ${index}: ${numeric} vs ${
            analytic[index]
          }`,
        );
      }
    }
    tf.dispose([x, w, out, r, dx, dw]);
  }
});

Deno.test("UnsortedSegmentSum on wasm matches cpu, drops out-of-range ids and serves the gather gradient", async () => {
  const values = fixed([6, 2, 3], 12);
  const ids = tf.tensor1d([1, 3, 3, 0, 7, -1], "int32");
  const [expected, actual, shape] = await onCpuAndWasm(() =>
    tf.unsortedSegmentSum(values, ids, 5)
  );
  assert.deepEqual(shape, [5, 2, 3]);
  assertAllClose(actual, expected, 1e-6, "segment sum");
  // Rows with ids 7 and -1 fall outside [0, 5) and are dropped.
  const rows = values.arraySync() as number[][][];
  assertAllClose(
    actual.subarray(18, 24),
    rows[1].flat().map((v, i) => v + rows[2].flat()[i]),
    1e-6,
    "segment 3 sums rows 1 and 2",
  );
  const table = fixed([11, 6], 13);
  const tokens = tf.tensor2d([[1, 3, 3], [10, 0, 1]], [2, 3], "int32");
  const weights = fixed([2, 3, 6], 14);
  const [gCpu, gWasm] = await onCpuAndWasm(() =>
    tf.grad((e: tf.Tensor) => tf.sum(tf.mul(tf.gather(e, tokens), weights)))(
      table,
    )
  );
  assertAllClose(gWasm, gCpu, 1e-6, "gather gradient");
  tf.dispose([values, ids, table, tokens, weights]);
});

Deno.test("the wasm kernels leak no tensors and no heap blocks", async () => {
  await useBackend("wasm");
  const backend = tf.backend();
  const x = fixed([3, 10, 9, 4], 15);
  const w = fixed([3, 3, 4, 6], 16);
  const a = fixed([2, 5, 7], 17);
  const b = fixed([2, 4, 7], 18);
  const ids = tf.tensor1d([0, 2, 1], "int32");
  const run = () => {
    tf.tidy(() => {
      const [dx, dw] = tf.grads((p: tf.Tensor, q: tf.Tensor) =>
        tf.sum(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 2, "same"))
      )([x, w]);
      const m = tf.matMul(a, b, false, true);
      const s = tf.unsortedSegmentSum(x, ids, 4);
      return [dx, dw, m, s];
    }).forEach((t) => t.dispose());
  };
  run();
  const tensors = tf.memory().numTensors;
  const dataIds = backend.numDataIds();
  for (let i = 0; i < 3; i++) run();
  assert.deepEqual(tf.memory().numTensors, tensors);
  assert.deepEqual(backend.numDataIds(), dataIds);
  tf.dispose([x, w, a, b, ids]);
});
