// The ONNX graph builder, the layer translations on small graphs (tfjs ops
// as the oracle), and the runtime's error handling.

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import assert from "node:assert/strict";
import { GraphBuilder } from "../lib/onnx/graph.ts";
import {
  batchNorm,
  conv2d,
  dense,
  layerNorm,
  nhwcToNchw,
} from "../lib/onnx/layers.ts";
import { loadOnnx, writeFileAtomic } from "../lib/onnx/runtime.ts";

await tf.setBackend("cpu");

function assertEquals(actual: unknown, expected: unknown): void {
  assert.deepStrictEqual(actual, expected);
}

function assertMatch(actual: string, pattern: RegExp): void {
  assert.match(actual, pattern);
}

function assertThrows<E extends Error>(
  fn: () => unknown,
  ErrorClass: new (...args: never[]) => E,
): E {
  try {
    fn();
  } catch (error) {
    assert.ok(
      error instanceof ErrorClass,
      `expected ${ErrorClass.name}, got ${error}`,
    );
    return error;
  }
  throw new assert.AssertionError({ message: "expected an error" });
}

async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  ErrorClass: new (...args: never[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    assert.ok(
      error instanceof ErrorClass,
      `expected ${ErrorClass.name}, got ${error}`,
    );
    return error;
  }
  throw new assert.AssertionError({ message: "expected a rejection" });
}

const TOLERANCE = 1e-4;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertEquals(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
  }
  return worst;
}

function relu(name: string): GraphBuilder {
  const graph = new GraphBuilder(name);
  graph.input("x", "float32", ["batch", 3]);
  graph.output(graph.node("Relu", ["x"], { output: "y" }), "float32", [
    "batch",
    3,
  ]);
  return graph;
}

Deno.test("GraphBuilder.build() rejects a node that reads an undefined value", () => {
  const graph = new GraphBuilder("broken");
  graph.input("x", "float32", [2]);
  graph.node("Add", ["x", "missing"], { output: "y" });
  const error = assertThrows(() => graph.build(), RangeError);
  assertEquals(
    error.message,
    'Cannot build the ONNX model as node "y" (Add) must read defined values: current value is "missing"',
  );
});

Deno.test("GraphBuilder rejects a name used twice", () => {
  const graph = new GraphBuilder("twice");
  graph.input("x", "float32", [2]);
  const error = assertThrows(
    () => graph.scalar("x", 1),
    RangeError,
  );
  assertMatch(error.message, /names must be unique: current value is "x"/);
});

Deno.test("GraphBuilder.build() refuses an opset older than 17", () => {
  const error = assertThrows(
    () => relu("old").build({ opsetVersion: 13 }),
    RangeError,
  );
  assertMatch(error.message, /opsetVersion must be an integer >= 17/);
});

Deno.test("conv + batch norm + relu matches tfjs for two batch sizes", async () => {
  const kernel = tf.randomNormal([3, 3, 3, 5], 0, 0.3, "float32", 1);
  const bn = {
    gamma: tf.randomUniform([5], 0.5, 1.5, "float32", 2),
    beta: tf.randomNormal([5], 0, 0.1, "float32", 3),
    runningMean: tf.randomNormal([5], 0, 0.2, "float32", 4),
    runningVar: tf.randomUniform([5], 0.5, 2, "float32", 5),
  };
  const graph = new GraphBuilder("conv_bn_relu");
  graph.input("images", "float32", ["batch", 7, 7, 3]);
  let x = nhwcToNchw(graph, "images");
  x = conv2d(graph, x, kernel, { stride: 2, padding: 1, name: "conv" });
  x = batchNorm(graph, x, bn, "bn");
  x = graph.node("Relu", [x]);
  // Back to NHWC so the two sides compare element by element.
  x = graph.node("Transpose", [x], {
    output: "y",
    attributes: { perm: { ints: [0, 2, 3, 1] } },
  });
  graph.output(x, "float32", ["batch", 4, 4, 5]);
  const model = await loadOnnx(graph.build());
  try {
    for (const batch of [1, 3]) {
      const images = tf.randomNormal([batch, 7, 7, 3], 0, 1, "float32", 6);
      const expected = tf.tidy(() => {
        const pad: [[number, number], [number, number], [number, number], [
          number,
          number,
        ]] = [[0, 0], [1, 1], [1, 1], [0, 0]];
        const y = tf.batchNorm4d(
          tf.conv2d(images as tf.Tensor4D, kernel as tf.Tensor4D, 2, pad),
          bn.runningMean as tf.Tensor1D,
          bn.runningVar as tf.Tensor1D,
          bn.beta as tf.Tensor1D,
          bn.gamma as tf.Tensor1D,
          1e-5,
        );
        return tf.relu(y);
      });
      const { y } = await model.run({
        images: {
          data: images.dataSync() as Float32Array,
          shape: images.shape,
        },
      });
      assertEquals(y.shape, [batch, 4, 4, 5]);
      const diff = maxAbsDiff(
        y.data as Float32Array,
        expected.dataSync() as Float32Array,
      );
      assert(diff < TOLERANCE, `max abs diff ${diff}`);
      tf.dispose([images, expected]);
    }
  } finally {
    await model.release();
    tf.dispose([kernel, ...Object.values(bn)]);
  }
});

Deno.test("dense with bias on a rank-3 input matches tfjs", async () => {
  const weight = tf.randomNormal([6, 4], 0, 0.5, "float32", 7);
  const bias = tf.randomNormal([4], 0, 0.5, "float32", 8);
  const graph = new GraphBuilder("dense");
  graph.input("x", "float32", ["batch", 5, 6]);
  graph.output(dense(graph, "x", weight, "y", bias), "float32", [
    "batch",
    5,
    4,
  ]);
  const model = await loadOnnx(graph.build());
  const x = tf.randomNormal([2, 5, 6], 0, 1, "float32", 9);
  const expected = tf.tidy(() =>
    tf.add(tf.matMul(tf.reshape(x, [10, 6]), weight), bias)
  );
  const { y } = await model.run({
    x: { data: x.dataSync() as Float32Array, shape: x.shape },
  });
  await model.release();
  assertEquals(y.shape, [2, 5, 4]);
  const diff = maxAbsDiff(
    y.data as Float32Array,
    expected.dataSync() as Float32Array,
  );
  assert(diff < TOLERANCE, `max abs diff ${diff}`);
  tf.dispose([weight, bias, x, expected]);
});

Deno.test("layer norm and softmax match their closed forms", async () => {
  const graph = new GraphBuilder("norm_softmax");
  graph.input("x", "float32", ["batch", 8]);
  const normed = layerNorm(graph, "x", 8, "normed", 1e-5);
  graph.output(normed, "float32", ["batch", 8]);
  graph.output(
    graph.node("Softmax", ["x"], {
      output: "probabilities",
      attributes: { axis: { int: -1 } },
    }),
    "float32",
    ["batch", 8],
  );
  const model = await loadOnnx(graph.build());
  // Rows with known statistics: row 0 is 0..7 (mean 3.5, variance 5.25).
  const x = Float32Array.from(
    { length: 16 },
    (_, i) => i < 8 ? i : (i * 7) % 5 - 2,
  );
  const out = await model.run({ x: { data: x, shape: [2, 8] } });
  await model.release();
  for (let row = 0; row < 2; row++) {
    const values = Array.from(x.subarray(8 * row, 8 * row + 8));
    const mean = values.reduce((a, b) => a + b, 0) / 8;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / 8;
    const top = Math.max(...values);
    const total = values.reduce((a, b) => a + Math.exp(b - top), 0);
    for (let k = 0; k < 8; k++) {
      const normal = (values[k] - mean) / Math.sqrt(variance + 1e-5);
      const probability = Math.exp(values[k] - top) / total;
      assert(
        Math.abs(out.normed.data[8 * row + k] as number - normal) < TOLERANCE,
      );
      assert(
        Math.abs(out.probabilities.data[8 * row + k] as number - probability) <
          TOLERANCE,
      );
    }
  }
});

Deno.test("loadOnnx() explains a missing file, a corrupt file and an unknown provider", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await t.step("missing file", async () => {
      const error = await assertRejects(
        () => loadOnnx(`${dir}/absent.onnx`),
        Deno.errors.NotFound,
      );
      assertEquals(
        error.message,
        `Cannot load the ONNX model as the file must exist: current value is "${dir}/absent.onnx"`,
      );
    });
    await t.step("corrupt file", async () => {
      await Deno.writeFile(
        `${dir}/corrupt.onnx`,
        Uint8Array.of(1, 2, 3, 4, 5, 6),
      );
      const error = await assertRejects(
        () => loadOnnx(`${dir}/corrupt.onnx`),
        TypeError,
      );
      assertMatch(
        error.message,
        /^Cannot load the ONNX model as it must be a valid ONNX protobuf: current value is ".*corrupt\.onnx"/,
      );
    });
    await t.step("truncated model", async () => {
      const bytes = relu("truncated").build();
      await Deno.writeFile(
        `${dir}/cut.onnx`,
        bytes.subarray(0, bytes.length - 7),
      );
      await assertRejects(() => loadOnnx(`${dir}/cut.onnx`), TypeError);
    });
    await t.step("unknown provider", async () => {
      const error = await assertRejects(
        () =>
          loadOnnx(relu("p").build(), {
            // @ts-expect-error: an unknown provider is the point of the test
            provider: "tpu",
          }),
        TypeError,
      );
      assertEquals(
        error.message,
        'Cannot load the ONNX model as provider must be one of "cpu", "webgpu", "cuda": current value is "tpu"',
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("OnnxModel.run() rejects a shape, a type or a name the model does not take", async (t) => {
  const model = await loadOnnx(relu("checks").build());
  try {
    await t.step("wrong trailing dimension", async () => {
      const error = await assertRejects(
        () => model.run({ x: { data: new Float32Array(8), shape: [2, 4] } }),
        RangeError,
      );
      assertEquals(
        error.message,
        'Cannot run the ONNX model as input "x" must have shape [batch, 3]: current value is [2, 4]',
      );
    });
    await t.step("wrong rank", async () => {
      await assertRejects(
        () => model.run({ x: { data: new Float32Array(3), shape: [3] } }),
        RangeError,
      );
    });
    await t.step("data shorter than the shape", async () => {
      const error = await assertRejects(
        () => model.run({ x: { data: new Float32Array(5), shape: [2, 3] } }),
        RangeError,
      );
      assertMatch(
        error.message,
        /as many elements as its shape \[2, 3\] \(6\): current value is 5/,
      );
    });
    await t.step("wrong element type", async () => {
      const error = await assertRejects(
        () => model.run({ x: { data: new Int32Array(3), shape: [1, 3] } }),
        TypeError,
      );
      assertMatch(error.message, /must hold float32: current value is int32/);
    });
    await t.step("unknown input name", async () => {
      await assertRejects(
        () =>
          model.run({
            x: { data: new Float32Array(3), shape: [1, 3] },
            z: { data: new Float32Array(3), shape: [1, 3] },
          }),
        TypeError,
      );
    });
  } finally {
    await model.release();
  }
});

Deno.test("loadOnnx() falls back to cpu, and says why, when a GPU provider cannot start", async () => {
  for (const provider of ["webgpu", "cuda"] as const) {
    const lines: string[] = [];
    const model = await loadOnnx(relu(provider).build(), {
      provider,
      log: (line) => lines.push(line),
    });
    const { y } = await model.run({
      x: { data: Float32Array.of(-1, 0.5, 2), shape: [1, 3] },
    });
    await model.release();
    assertEquals(Array.from(y.data as Float32Array), [0, 0.5, 2]);
    if (model.provider === "cpu") {
      assertMatch(
        model.fallbackReason ?? "",
        new RegExp(`the ${provider} execution provider is unavailable`),
      );
      assertEquals(lines.length, 1);
    } else {
      assertEquals(model.provider, provider);
      assertEquals(model.fallbackReason, undefined);
    }
    if (model.provider === "cpu") {
      const error = await assertRejects(
        () => loadOnnx(relu(provider).build(), { provider, fallback: false }),
        Error,
      );
      assertMatch(
        error.message,
        new RegExp(`^Cannot load the ONNX model on ${provider} as`),
      );
    }
  }
});

Deno.test("writeFileAtomic() leaves nothing behind when the rename fails", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The destination is an existing non-empty directory: rename must fail.
    await Deno.mkdir(`${dir}/target/inner`, { recursive: true });
    await assertRejects(
      () => writeFileAtomic(`${dir}/target`, Uint8Array.of(1)),
      Error,
    );
    const names = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assertEquals(names, ["target"]);
    await writeFileAtomic(`${dir}/ok.onnx`, Uint8Array.of(7, 8));
    assertEquals(Array.from(await Deno.readFile(`${dir}/ok.onnx`)), [7, 8]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
