// Full training steps of the kit's ResNet (batch norm) and OLMo-style
// transformer (RoPE, SwiGLU, softmax, layer norm, embedding gather) on each
// backend, checked against the cpu backend, plus backend selection.

import * as tf from "@tensorflow/tfjs-core";
import { assert, assertThrowsWith } from "./_assert.ts";
import { type BackendName, useBackend } from "../lib/engine/backend.ts";
import { adamw } from "../lib/engine/optimizers.ts";
import { createResNet } from "../lib/models/resnet.ts";
import { createOlmo } from "../lib/models/olmo.ts";
import type { Model } from "../lib/models/model.ts";

interface StepResult {
  loss: number;
  grads: Map<string, Float32Array>;
  updated: Map<string, Float32Array>;
}

/** Values of a fixed pseudo-random sequence (identical on every backend). */
function sequence(size: number, seed: number): Float32Array {
  const values = new Float32Array(size);
  let state = seed;
  for (let i = 0; i < size; i++) {
    state = (state * 1664525 + 1013904223) % 4294967296;
    values[i] = state / 4294967296;
  }
  return values;
}

function crossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const classes = logits.shape[logits.rank - 1];
  const flat = tf.reshape(logits, [-1, classes]);
  const picked = tf.mul(tf.oneHot(labels, classes), tf.logSoftmax(flat));
  return tf.neg(tf.mean(tf.sum(picked, -1)));
}

/** Builds the model, takes one AdamW step on `backend`, and reads back the
 * loss, the gradients and the updated parameters. */
async function trainOneStep(
  backend: BackendName,
  build: () => Model,
  batch: () => { input: tf.Tensor; labels: tf.Tensor },
): Promise<StepResult> {
  await useBackend(backend);
  const model = build();
  const { input, labels } = batch();
  const tensorsBefore = tf.memory().numTensors;
  const optimizer = adamw(model.params, { weightDecay: 0.1 });
  const names = [...model.params.keys()];
  const variables = [...model.params.values()];
  const { value, grads } = tf.variableGrads(
    () => crossEntropy(model.apply(input, { training: true }), labels),
    variables,
  );
  optimizer.step(grads, 1e-2);
  const result: StepResult = {
    loss: (await value.data())[0],
    grads: new Map(),
    updated: new Map(),
  };
  for (let i = 0; i < names.length; i++) {
    const grad = grads[variables[i].name];
    result.grads.set(names[i], Float32Array.from(await grad.data()));
    result.updated.set(
      names[i],
      Float32Array.from(await variables[i].data() as Float32Array),
    );
  }
  tf.dispose([value, ...Object.values(grads)]);
  optimizer.dispose();
  // Only the optimizer's slots (now freed) and the running statistics
  // (replaced in place) were created by the step.
  assert.equal(tf.memory().numTensors, tensorsBefore, `${backend}: leak`);
  tf.dispose([input, labels]);
  model.dispose();
  return result;
}

function compare(actual: StepResult, expected: StepResult, label: string) {
  const relative = (a: number, b: number) =>
    Math.abs(a - b) / Math.max(1, Math.abs(b));
  assert.ok(
    relative(actual.loss, expected.loss) < 1e-4,
    `${label}: loss ${actual.loss} vs ${expected.loss}`,
  );
  for (const [name, want] of expected.grads) {
    const got = actual.grads.get(name)!;
    let scale = 0;
    for (const v of want) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < want.length; i++) {
      assert.ok(
        Math.abs(got[i] - want[i]) <= 2e-3 * scale + 1e-6,
        `${label}: grad ${name}[${i}] ${got[i]} vs ${want[i]} (scale ${scale})`,
      );
    }
    assert.ok(want.some((v) => v !== 0), `${label}: grad ${name} all zero`);
  }
  for (const [name, want] of expected.updated) {
    const got = actual.updated.get(name)!;
    // Adam moves each weight by about lr, so compare at that resolution.
    for (let i = 0; i < want.length; i++) {
      assert.ok(
        Math.abs(got[i] - want[i]) <= 2e-3,
        `${label}: updated ${name}[${i}] ${got[i]} vs ${want[i]}`,
      );
    }
  }
}

const resnet = () =>
  createResNet({ blocks: [1, 1], width: 4, classes: 5, seed: 1 });
const resnetBatch = () => ({
  input: tf.tensor4d(sequence(6 * 12 * 12 * 3, 7), [6, 12, 12, 3]),
  labels: tf.tensor1d([0, 1, 2, 3, 4, 0], "int32"),
});
const olmo = () =>
  createOlmo({
    vocabularySize: 11,
    modelDim: 16,
    layers: 2,
    heads: 2,
    contextLength: 8,
    seed: 2,
  });
const olmoBatch = () => {
  const ids = Int32Array.from(sequence(3 * 8, 9), (v) => Math.floor(v * 11));
  const next = Int32Array.from(sequence(3 * 8, 10), (v) => Math.floor(v * 11));
  return {
    input: tf.tensor2d(ids, [3, 8], "int32"),
    labels: tf.tensor1d(next, "int32"),
  };
};

for (const backend of ["wasm", "webgpu"] as const) {
  Deno.test(`a ResNet with batch norm trains on ${backend} as on cpu`, async () => {
    const expected = await trainOneStep("cpu", resnet, resnetBatch);
    const actual = await trainOneStep(backend, resnet, resnetBatch);
    compare(actual, expected, `resnet on ${backend}`);
  });

  Deno.test(`an OLMo-style transformer trains on ${backend} as on cpu`, async () => {
    const expected = await trainOneStep("cpu", olmo, olmoBatch);
    const actual = await trainOneStep(backend, olmo, olmoBatch);
    compare(actual, expected, `olmo on ${backend}`);
  });
}

Deno.test("useBackend() reports the backend, its adapter, threads and SIMD", async () => {
  const wasm = await useBackend("wasm");
  assert.deepEqual(wasm, {
    backend: "wasm",
    adapter: "CPU (WebAssembly, XNNPACK)",
    threads: 1,
    simd: true,
  });
  assert.equal(tf.getBackend(), "wasm");
  const cpu = await useBackend("cpu");
  assert.deepEqual(cpu, {
    backend: "cpu",
    adapter: "CPU (JavaScript)",
    threads: 1,
    simd: false,
  });
  const webgpu = await useBackend("webgpu");
  assert.equal(webgpu.backend, "webgpu");
  assert.ok(webgpu.adapter.length > 0, "an adapter description");
  assert.equal(tf.getBackend(), "webgpu");
  await useBackend("wasm");
});

Deno.test("useBackend() rejects an unknown name with the choices", async () => {
  let caught: unknown;
  try {
    await useBackend("tensorflow" as BackendName);
  } catch (error) {
    caught = error;
  }
  assertThrowsWith(
    () => {
      throw caught;
    },
    TypeError,
    'Cannot use a backend as name must be one of "wasm", "webgpu", "cpu": current value is "tensorflow"',
  );
});
