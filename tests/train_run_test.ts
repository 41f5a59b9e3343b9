// trainRun() end to end on tiny models: evaluation cadence and the
// schedule's rates, learning, divergence, abort and resume, a flat tensor
// count over thousands of steps, and config errors.
import * as tf from "@tensorflow/tfjs-core";
import { assert, assertClose } from "./_assert.ts";
import { crossEntropy, trainRun } from "../lib/train/run.ts";
import { decodeCheckpoint } from "../lib/train/checkpoint.ts";
import type { ProgressEvent, RunConfig } from "../lib/train/types.ts";
import { useBackend } from "../lib/engine/backend.ts";

await useBackend("wasm");

const dataDir = Deno.env.get("UBA_DATA_DIR") ??
  new URL("../../shared/data", import.meta.url).pathname;

// UBA in closed form (PAPER.md): u = 1 + cos(pi p), p = t / T,
// eta = eta_min + (eta_max - eta_min) 2u / (2 phi + (2 - phi) u).
function ubaRate(peak: number, phi: number, t: number, total: number) {
  const u = 1 + Math.cos(Math.PI * t / total);
  return peak * 2 * u / (2 * phi + (2 - phi) * u);
}

const tinyVision: RunConfig = {
  task: "fashion-mnist-mini",
  model: { kind: "resnet", blocks: [1], width: 4 },
  optimizer: { name: "sgd", momentum: 0.9 },
  schedule: { name: "uba", options: { peakLr: 0.1, phi: 3 } },
  steps: 7,
  batchSize: 8,
  evalEvery: 3,
  evalExamples: 40,
  backend: "wasm",
  seed: 1,
};

const tinyLanguage: RunConfig = {
  task: "tinyshakespeare",
  model: { kind: "olmo", modelDim: 16, layers: 1, heads: 2 },
  optimizer: { name: "adamw", weightDecay: 0 },
  schedule: { name: "uba", options: { peakLr: 1e-2, phi: 4 } },
  steps: 150,
  batchSize: 8,
  sequenceLength: 16,
  evalEvery: 150,
  evalExamples: 64,
  backend: "wasm",
  dataDir,
  seed: 0,
};

async function tensorsOf(path: string) {
  return decodeCheckpoint(await Deno.readFile(path)).tensors;
}

Deno.test("crossEntropy() equals logsumexp minus the picked logit, averaged", () => {
  const logits = tf.tensor2d([[1, 2, 3], [0, 0, 0]]);
  const labels = tf.tensor1d([2, 0], "int32");
  const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
  assertClose(
    crossEntropy(logits, labels).dataSync()[0],
    ((lse - 3) + Math.log(3)) / 2,
    1e-6,
  );
  tf.dispose([logits, labels]);
});

Deno.test("trainRun() evaluates every evalEvery steps and after the last, at the schedule's rates", async () => {
  const events: ProgressEvent[] = [];
  const result = await trainRun(tinyVision, {
    onProgress: (e) => events.push(e),
  });
  assert.deepEqual(result.curve.map((p) => p.step), [3, 6, 7]);
  assert.equal(result.steps, 7);
  assert.equal(result.metricName, "accuracy");
  assert.equal(result.higherIsBetter, true);
  assert.equal(result.backend, "wasm");
  assert.equal(result.diverged, false);
  const steps = events.filter((e) => e.type === "step");
  assert.deepEqual(steps.map((e) => e.step), [1, 2, 3, 4, 5, 6, 7]);
  steps.forEach((e, t) => assertClose(e.lr, ubaRate(0.1, 3, t, 7), 1e-12));
  // The curve's rate is that of the last step before the evaluation.
  result.curve.forEach((p) =>
    assertClose(p.lr, ubaRate(0.1, 3, p.step - 1, 7), 1e-12)
  );
  // 40 evaluation images: accuracy is a multiple of 1/40.
  for (const p of result.curve) {
    assertClose(p.metric * 40, Math.round(p.metric * 40), 1e-9);
  }
  // The mean training loss of a curve point averages the step losses since the last one.
  const losses = steps.map((e) => e.type === "step" ? e.loss : NaN);
  assertClose(
    result.curve[0].loss,
    (losses[0] + losses[1] + losses[2]) / 3,
    1e-12,
  );
  assert.equal(result.finalMetric, result.curve[2].metric);
  assert.equal(
    result.bestMetric,
    Math.max(...result.curve.map((p) => p.metric)),
  );
});

Deno.test("trainRun() lowers the validation loss of a tiny language model well below chance", async () => {
  const result = await trainRun(tinyLanguage);
  // Chance is ln(65) = 4.17 nats per character.
  console.log(
    `tiny OLMo after 150 steps: validation loss ${
      result.finalMetric.toFixed(3)
    }, perplexity ${result.finalPerplexity?.toFixed(2)}`,
  );
  assert.equal(result.metricName, "validationLoss");
  assert.equal(result.higherIsBetter, false);
  assert.ok(
    result.finalMetric < Math.log(65) - 1,
    `loss ${result.finalMetric}`,
  );
  assertClose(result.finalPerplexity!, Math.exp(result.finalMetric), 1e-12);
});

Deno.test("trainRun() marks a run diverged on a non-finite loss instead of throwing", async () => {
  const events: ProgressEvent[] = [];
  const checkpointDir = await Deno.makeTempDir();
  const result = await trainRun({
    ...tinyVision,
    steps: 30,
    evalEvery: 30,
    schedule: { name: "constant", options: { lr: 1e12 } },
  }, { onProgress: (e) => events.push(e), checkpointDir });
  assert.equal(result.diverged, true);
  assert.ok(result.divergedAtStep !== undefined && result.divergedAtStep < 30);
  assert.equal(result.steps, result.divergedAtStep);
  assert.ok(Number.isNaN(result.finalMetric));
  assert.deepEqual(result.curve, []);
  const diverged = events.filter((e) => e.type === "diverged");
  assert.equal(diverged.length, 1);
  assert.ok(
    diverged[0].type === "diverged" && !Number.isFinite(diverged[0].loss),
  );
  // Calling again resumes the diverged checkpoint and reports the same.
  const again = await trainRun({
    ...tinyVision,
    steps: 30,
    evalEvery: 30,
    schedule: { name: "constant", options: { lr: 1e12 } },
  }, { checkpointDir });
  assert.equal(again.diverged, true);
  assert.equal(again.divergedAtStep, result.divergedAtStep);
  await Deno.remove(checkpointDir, { recursive: true });
});

Deno.test("trainRun() stops on abort and resumes to the same weights as an uninterrupted run", async () => {
  const config = {
    ...tinyLanguage,
    steps: 30,
    evalEvery: 10,
    checkpointEvery: 5,
    evalExamples: 8,
  };
  const straightDir = await Deno.makeTempDir();
  const straight = await trainRun(config, { checkpointDir: straightDir });
  const resumedDir = await Deno.makeTempDir();
  const controller = new AbortController();
  const first = await trainRun(config, {
    checkpointDir: resumedDir,
    signal: controller.signal,
    onProgress: (e) => {
      if (e.type === "step" && e.step === 12) controller.abort();
    },
  });
  assert.equal(first.aborted, true);
  assert.equal(first.steps, 12);
  const second = await trainRun(config, { checkpointDir: resumedDir });
  // The abort wrote a checkpoint at the step it stopped after.
  assert.equal(second.resumedFromStep, 12);
  assert.equal(second.steps, 30);
  assert.deepEqual(second.curve, straight.curve);
  const a = await tensorsOf(`${straightDir}/checkpoint.bin`);
  const b = await tensorsOf(`${resumedDir}/checkpoint.bin`);
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [name, tensor] of a) {
    assert.deepEqual(b.get(name)!.values, tensor.values, `${name} differs`);
  }
  // A finished checkpoint returns its result without training again.
  const done = await trainRun(config, { checkpointDir: resumedDir });
  assert.equal(done.resumedFromStep, 30);
  assert.deepEqual(done.curve, straight.curve);
  // A different config refuses the checkpoint.
  let caught: unknown;
  try {
    await trainRun({ ...config, seed: 9 }, { checkpointDir: resumedDir });
  } catch (error) {
    caught = error;
  }
  assert.ok(
    caught instanceof Error &&
      caught.message.includes("as it must belong to this config"),
  );
  await Deno.remove(straightDir, { recursive: true });
  await Deno.remove(resumedDir, { recursive: true });
});

Deno.test("trainRun() keeps the tensor count flat over thousands of steps", async () => {
  const counts = new Map<number, number>();
  const result = await trainRun({
    ...tinyLanguage,
    model: { kind: "olmo", modelDim: 8, layers: 1, heads: 2 },
    steps: 2000,
    batchSize: 2,
    sequenceLength: 8,
    evalEvery: 500,
    evalExamples: 4,
    gradClip: 1,
  }, {
    onProgress: (e) => {
      if (e.type === "step" && e.step % 100 === 0) {
        counts.set(e.step, tf.memory().numTensors);
      }
    },
  });
  assert.equal(result.steps, 2000);
  const values = [...counts.values()];
  console.log(
    `live tensors every 100 steps: ${[...new Set(values)].join(", ")}`,
  );
  assert.equal(
    new Set(values.slice(1)).size,
    1,
    `tensor count drifts: ${values}`,
  );
  // The vision path (batch norm buffers assigned every step) as well.
  const vision: number[] = [];
  await trainRun({
    ...tinyVision,
    batchSize: 2,
    steps: 300,
    evalEvery: 100,
    evalExamples: 4,
  }, {
    onProgress: (e) => {
      if (e.type === "step" && e.step % 50 === 0) {
        vision.push(tf.memory().numTensors);
      }
    },
  });
  assert.equal(
    new Set(vision.slice(1)).size,
    1,
    `tensor count drifts: ${vision}`,
  );
});

Deno.test("trainRun() rejects an invalid config before any work", async () => {
  const cases: [Partial<RunConfig>, new (...args: never[]) => Error, string][] =
    [
      [
        { task: "mnist" as "cifar10" },
        TypeError,
        'task must be one of "fashion-mnist"',
      ],
      [
        { model: { kind: "olmo" } },
        TypeError,
        'task fashion-mnist-mini needs model.kind "resnet": current value is "olmo"',
      ],
      [
        { steps: 0 },
        RangeError,
        "steps must be an integer >= 1: current value is 0",
      ],
      [
        { evalEvery: 1.5 },
        RangeError,
        "evalEvery must be an integer >= 1: current value is 1.5",
      ],
      [
        { schedule: { name: "nope", options: {} } },
        TypeError,
        "name must be one of",
      ],
      [
        { optimizer: { name: "rmsprop" as "sgd" } },
        TypeError,
        'optimizer.name must be one of "sgd", "adam", "adamw": current value is "rmsprop"',
      ],
    ];
  for (const [patch, ErrorClass, fragment] of cases) {
    let caught: unknown;
    try {
      await trainRun({ ...tinyVision, ...patch });
    } catch (error) {
      caught = error;
    }
    assert.ok(
      caught instanceof ErrorClass,
      `${JSON.stringify(patch)}: ${caught}`,
    );
    assert.ok(
      (caught as Error).message.includes(fragment),
      (caught as Error).message,
    );
  }
});
