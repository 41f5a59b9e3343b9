// ONNX export of the two model families: ONNX Runtime's logits against the
// tfjs forward pass (the oracle) on the same inputs, for several batch sizes,
// and the shape checks the exported signatures enable.

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import assert from "node:assert/strict";
import { createResNet } from "../lib/models/resnet.ts";
import { createOlmo } from "../lib/models/olmo.ts";
import type { Model } from "../lib/models/model.ts";
import { exportResNet } from "../lib/onnx/resnet.ts";
import { exportOlmo } from "../lib/onnx/olmo.ts";
import { loadOnnx } from "../lib/onnx/runtime.ts";
import { onnx } from "../lib/onnx/graph.ts";

await tf.setBackend("cpu");

const TOLERANCE = 1e-4;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
  }
  return worst;
}

// Trained batch-norm statistics are far from the initial (0, 1); random ones
// make the inference-mode translation matter.
function randomiseBuffers(model: Model, seed: number): void {
  let k = seed;
  for (const [name, buffer] of model.buffers) {
    const fresh = name.endsWith("runningVar")
      ? tf.randomUniform(buffer.shape, 0.5, 2, "float32", k++)
      : tf.randomNormal(buffer.shape, 0, 0.3, "float32", k++);
    buffer.assign(fresh);
    fresh.dispose();
  }
}

async function rejection(
  fn: () => Promise<unknown>,
  ErrorClass: new (...args: never[]) => Error,
): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof ErrorClass, `expected ${ErrorClass.name}`);
    return error;
  }
  throw new assert.AssertionError({ message: "expected a rejection" });
}

Deno.test("exportResNet() logits match tfjs evaluation mode for batches of 1 and 5", async () => {
  const model = createResNet({
    preset: "resnet-small",
    inputChannels: 1,
    seed: 3,
  });
  randomiseBuffers(model, 10);
  const onnxModel = await loadOnnx(
    exportResNet(model, { imageSize: [28, 28] }),
  );
  try {
    assert.deepEqual(onnxModel.inputs[0].shape, ["batch", 28, 28, 1]);
    for (const batch of [1, 5]) {
      const images = tf.randomNormal([batch, 28, 28, 1], 0, 1, "float32", 20);
      const expected = model.apply(images, { training: false });
      const { logits } = await onnxModel.run({
        images: {
          data: images.dataSync() as Float32Array,
          shape: images.shape,
        },
      });
      assert.deepEqual(logits.shape, [batch, 10]);
      const diff = maxAbsDiff(
        logits.data as Float32Array,
        expected.dataSync() as Float32Array,
      );
      assert.ok(diff < TOLERANCE, `max abs diff ${diff}`);
      tf.dispose([images, expected]);
    }
  } finally {
    await onnxModel.release();
    model.dispose();
  }
});

Deno.test("exportResNet() graph has NCHW convolutions and inference-mode batch norm", () => {
  const model = createResNet({ preset: "resnet-tiny" });
  const proto = onnx.ModelProto.decode(exportResNet(model));
  model.dispose();
  assert.equal(Number(proto.opsetImport[0].version), 17);
  const ops = proto.graph!.node!.map((n) => n.opType);
  // resnet-tiny: stem + 2 blocks of two convs + one shortcut conv.
  assert.equal(ops.filter((op) => op === "Conv").length, 6);
  assert.equal(ops.filter((op) => op === "BatchNormalization").length, 6);
  assert.equal(ops[0], "Transpose");
  assert.deepEqual(ops.slice(-3), ["GlobalAveragePool", "Flatten", "Gemm"]);
  const stem = proto.graph!.initializer!.find((t) =>
    t.name === "stem.conv.kernel"
  );
  // tfjs [3, 3, 3, 8] becomes ONNX [out, in, kh, kw].
  assert.deepEqual(stem!.dims!.map(Number), [8, 3, 3, 3]);
});

Deno.test("exportOlmo() logits match tfjs, tied and untied, for several batch and time sizes", async () => {
  for (const tieEmbeddings of [true, false]) {
    const model = createOlmo({
      preset: "olmo-tiny",
      vocabularySize: 48,
      modelDim: 32,
      heads: 4,
      contextLength: 24,
      tieEmbeddings,
      seed: 5,
    });
    const onnxModel = await loadOnnx(exportOlmo(model));
    try {
      for (const [batch, time] of [[1, 24], [3, 7]]) {
        const values = Int32Array.from(
          { length: batch * time },
          (_, i) => (i * 13 + 5) % 48,
        );
        const tokens = tf.tensor2d(values, [batch, time], "int32");
        const expected = model.apply(tokens, { training: false });
        const { logits } = await onnxModel.run({
          tokens: { data: values, shape: [batch, time] },
        });
        assert.deepEqual(logits.shape, [batch, time, 48]);
        const diff = maxAbsDiff(
          logits.data as Float32Array,
          expected.dataSync() as Float32Array,
        );
        assert.ok(
          diff < TOLERANCE,
          `tied ${tieEmbeddings}: max abs diff ${diff}`,
        );
        tf.dispose([tokens, expected]);
      }
    } finally {
      await onnxModel.release();
      model.dispose();
    }
  }
});

Deno.test("exportOlmo() stores the embedding once when the head is tied", () => {
  const model = createOlmo({
    vocabularySize: 16,
    modelDim: 16,
    layers: 1,
    heads: 2,
    contextLength: 8,
  });
  const proto = onnx.ModelProto.decode(exportOlmo(model));
  model.dispose();
  const names = proto.graph!.initializer!.map((t) => t.name);
  assert.ok(names.includes("embedding"));
  assert.ok(!names.includes("head"));
  const ops = proto.graph!.node!.map((n) => n.opType);
  assert.equal(ops.filter((op) => op === "LayerNormalization").length, 3);
  assert.equal(ops.filter((op) => op === "Softmax").length, 1);
  assert.equal(ops.filter((op) => op === "Sigmoid").length, 1);
});

Deno.test("exported models reject inputs whose shape does not match", async (t) => {
  const resnet = createResNet({ preset: "resnet-tiny", inputChannels: 1 });
  const olmo = createOlmo({
    vocabularySize: 16,
    modelDim: 16,
    layers: 1,
    heads: 2,
    contextLength: 8,
  });
  const vision = await loadOnnx(exportResNet(resnet, { imageSize: [28, 28] }));
  const language = await loadOnnx(exportOlmo(olmo));
  try {
    await t.step("CIFAR-sized images on a Fashion-MNIST model", async () => {
      const error = await rejection(
        () =>
          vision.run({
            images: {
              data: new Float32Array(32 * 32 * 3),
              shape: [1, 32, 32, 3],
            },
          }),
        RangeError,
      );
      assert.equal(
        error.message,
        'Cannot run the ONNX model as input "images" must have shape [batch, 28, 28, 1]: current value is [1, 32, 32, 3]',
      );
    });
    await t.step("a sequence longer than the context", async () => {
      const error = await rejection(
        () =>
          language.run({
            tokens: { data: new Int32Array(9), shape: [1, 9] },
          }),
        RangeError,
      );
      assert.equal(
        error.message,
        'Cannot run the ONNX model as input "tokens" must have time <= 8 (the model\'s context length): current value is 9',
      );
    });
    await t.step("float tokens", async () => {
      await rejection(
        () =>
          language.run({
            tokens: { data: new Float32Array(4), shape: [1, 4] },
          }),
        TypeError,
      );
    });
  } finally {
    await vision.release();
    await language.release();
    resnet.dispose();
    olmo.dispose();
  }
});
