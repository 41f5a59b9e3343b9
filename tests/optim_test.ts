// Optimizers against hand-derived closed forms of PyTorch's update rules,
// learning-rate changes, state export and bit-identical resumption.

import * as tf from "@tensorflow/tfjs-core";
import { assert, assertClose, assertThrowsWith } from "./_assert.ts";
import { useBackend } from "../lib/engine/backend.ts";
import {
  adam,
  adamw,
  clipByGlobalNorm,
  type Optimizer,
  rateAt,
  sgd,
} from "../lib/engine/optimizers.ts";
import { defineSchedule } from "../lib/schedule.ts";

/** A one-parameter problem whose gradient sequence is fixed in advance. */
function runScalar(
  make: (params: Map<string, tf.Variable>) => Optimizer,
  start: number,
  grads: number[],
  lrs: number[],
): number[] {
  const w = tf.variable(tf.scalar(start));
  const optimizer = make(new Map([["w", w]]));
  const path: number[] = [];
  grads.forEach((g, i) => {
    const grad = tf.scalar(g);
    optimizer.step(new Map([["w", grad]]), lrs[i]);
    grad.dispose();
    path.push(w.dataSync()[0]);
  });
  optimizer.dispose();
  w.dispose();
  return path;
}

function assertPath(actual: number[], expected: number[], label: string) {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, i) =>
    assertClose(value, expected[i], 2e-6, `${label}, step ${i + 1}: `)
  );
}

Deno.test("sgd() takes p - lr g without momentum", async () => {
  await useBackend("cpu");
  assertPath(
    runScalar((p) => sgd(p), 1, [2, -4], [0.1, 0.5]),
    [1 - 0.2, 0.8 + 2],
    "plain",
  );
});

Deno.test("sgd() with momentum starts the buffer at the first gradient, as PyTorch", async () => {
  await useBackend("cpu");
  // mu = 0.9, lr = 0.1, g = 1, 2, 3:
  // b1 = 1, p1 = 0.9; b2 = 0.9 + 2 = 2.9, p2 = 0.61;
  // b3 = 2.61 + 3 = 5.61, p3 = 0.049.
  assertPath(
    runScalar((p) => sgd(p, { momentum: 0.9 }), 1, [1, 2, 3], [0.1, 0.1, 0.1]),
    [0.9, 0.61, 0.049],
    "momentum",
  );
  // Dampening 0.5 scales later gradients only: b2 = 0.9 + 0.5 * 2 = 1.9.
  assertPath(
    runScalar(
      (p) => sgd(p, { momentum: 0.9, dampening: 0.5 }),
      1,
      [1, 2],
      [0.1, 0.1],
    ),
    [0.9, 0.9 - 0.19],
    "dampening",
  );
});

Deno.test("sgd() with Nesterov steps along g + mu b", async () => {
  await useBackend("cpu");
  // d1 = 1 + 0.9 * 1 = 1.9, p1 = 0.81; b2 = 2.9, d2 = 2 + 2.61 = 4.61,
  // p2 = 0.81 - 0.461 = 0.349.
  assertPath(
    runScalar(
      (p) => sgd(p, { momentum: 0.9, nesterov: true }),
      1,
      [1, 2],
      [0.1, 0.1],
    ),
    [0.81, 0.349],
    "nesterov",
  );
});

Deno.test("sgd() couples weight decay into the gradient (L2)", async () => {
  await useBackend("cpu");
  // g' = g + lambda p = 1 + 0.1 * 2 = 1.2, p1 = 2 - 0.5 * 1.2 = 1.4;
  // g' = 1 + 0.14 = 1.14, p2 = 1.4 - 0.57 = 0.83.
  assertPath(
    runScalar((p) => sgd(p, { weightDecay: 0.1 }), 2, [1, 1], [0.5, 0.5]),
    [1.4, 0.83],
    "weight decay",
  );
});

/** Adam by its defining recurrences, in float64 (the oracle). */
function adamReference(
  start: number,
  grads: number[],
  lrs: number[],
  options: { decoupled: boolean; weightDecay: number },
): number[] {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  let [p, m, v] = [start, 0, 0];
  return grads.map((grad, i) => {
    const t = i + 1;
    let g = grad;
    if (options.decoupled) p *= 1 - lrs[i] * options.weightDecay;
    else g += options.weightDecay * p;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    const mHat = m / (1 - b1 ** t);
    const vHat = v / (1 - b2 ** t);
    p -= lrs[i] * mHat / (Math.sqrt(vHat) + eps);
    return p;
  });
}

Deno.test("adam() first step moves every weight by lr against the gradient's sign", async () => {
  await useBackend("cpu");
  // m1 / (1 - b1) = g and v1 / (1 - b2) = g^2, so the step is lr g / |g|.
  assertPath(runScalar((p) => adam(p), 1, [3], [0.1]), [0.9], "first step");
  assertPath(runScalar((p) => adam(p), 1, [-0.02], [0.1]), [1.1], "negative");
});

Deno.test("adam() keeps its moments and step count when the learning rate changes", async () => {
  await useBackend("cpu");
  const grads = [1, -2, 0.5, 3, -1];
  const lrs = [0.1, 0.01, 0.5, 0.05, 0.2];
  assertPath(
    runScalar((p) => adam(p), 1, grads, lrs),
    adamReference(1, grads, lrs, { decoupled: false, weightDecay: 0 }),
    "scheduled adam",
  );
  assertPath(
    runScalar((p) => adam(p, { weightDecay: 0.1 }), 1, grads, lrs),
    adamReference(1, grads, lrs, { decoupled: false, weightDecay: 0.1 }),
    "adam with L2",
  );
});

Deno.test("adamw() decays weights by lr lambda before the Adam step", async () => {
  await useBackend("cpu");
  const grads = [1, -2, 0.5, 3];
  const lrs = [0.1, 0.3, 0.05, 0.2];
  assertPath(
    runScalar((p) => adamw(p, { weightDecay: 0.2 }), 2, grads, lrs),
    adamReference(2, grads, lrs, { decoupled: true, weightDecay: 0.2 }),
    "adamw",
  );
  // The default decay is PyTorch's 0.01: a zero gradient shrinks p only.
  assertPath(runScalar((p) => adamw(p), 2, [0], [0.5]), [2 * 0.995], "decay");
});

Deno.test("optimizers follow a Schedule step by step without being rebuilt", async () => {
  await useBackend("cpu");
  const halving = defineSchedule("halving", 4, (t) => 0.1 * 2 ** -t);
  const lrs = [0, 1, 2, 3].map((t) => rateAt(halving, t));
  assert.deepEqual(lrs, [0.1, 0.05, 0.025, 0.0125]);
  assertPath(
    runScalar((p) => sgd(p), 0, [1, 1, 1, 1], lrs),
    [-0.1, -0.15, -0.175, -0.1875],
    "scheduled sgd",
  );
  const negative = defineSchedule("negative", undefined, () => -1);
  assertThrowsWith(
    () => rateAt(negative, 0),
    RangeError,
    "Cannot read negative as the rate must be non-negative: current value is -1",
  );
});

Deno.test("parameters without a gradient are left alone, and keys may be tfjs variable names", async () => {
  await useBackend("cpu");
  const a = tf.variable(tf.tensor1d([1, 2]));
  const b = tf.variable(tf.tensor1d([3]));
  const optimizer = sgd(new Map([["a", a], ["b", b]]));
  const grad = tf.tensor1d([1, 1]);
  optimizer.step({ [a.name]: grad }, 1);
  assert.deepEqual(Array.from(a.dataSync()), [0, 1]);
  assert.deepEqual(Array.from(b.dataSync()), [3]);
  tf.dispose([a, b, grad]);
});

Deno.test("clipByGlobalNorm() scales every gradient by maxNorm / norm only above maxNorm", async () => {
  await useBackend("cpu");
  const grads = new Map<string, tf.Tensor>([
    ["a", tf.tensor1d([3, 0])],
    ["b", tf.tensor2d([[0, 4]])],
  ]);
  const clipped = clipByGlobalNorm(grads, 2.5);
  assertClose(clipped.norm.dataSync()[0], 5, 1e-7);
  const scale = 2.5 / (5 + 1e-6);
  assertClose(clipped.grads.get("a")!.dataSync()[0], 3 * scale, 1e-7);
  assertClose(clipped.grads.get("b")!.dataSync()[1], 4 * scale, 1e-7);
  const kept = clipByGlobalNorm(grads, 10);
  assert.deepEqual(Array.from(kept.grads.get("b")!.dataSync()), [0, 4]);
  tf.dispose([...grads.values(), ...clipped.grads.values(), clipped.norm]);
  tf.dispose([...kept.grads.values(), kept.norm]);
  assertThrowsWith(
    () => clipByGlobalNorm(new Map(), 0),
    RangeError,
    "Cannot clip gradients as maxNorm must be positive: current value is 0",
  );
});

/** Trains a small least-squares problem for `steps` steps. */
function makeProblem() {
  const x = tf.tensor2d([[1, 2, -1], [0.5, -1, 2], [3, 1, 0], [-2, 1, 1]]);
  const y = tf.tensor2d([[1], [-1], [2], [0]]);
  const w = tf.variable(tf.tensor2d([[0.1], [-0.2], [0.3]]));
  const bias = tf.variable(tf.tensor1d([0.05]));
  const params = new Map<string, tf.Variable>([["w", w], ["bias", bias]]);
  const train = (optimizer: Optimizer, lrs: number[]) => {
    for (const lr of lrs) {
      const { grads, value } = tf.variableGrads(
        () => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), bias), y))),
        [w, bias],
      );
      optimizer.step(grads, lr);
      tf.dispose([value, ...Object.values(grads)]);
    }
  };
  const dispose = () => tf.dispose([x, y, w, bias]);
  return { params, train, dispose };
}

for (const backend of ["cpu", "wasm"] as const) {
  Deno.test(`a restored optimizer continues bit-identically on ${backend}`, async () => {
    await useBackend(backend);
    const factories: [string, (p: Map<string, tf.Variable>) => Optimizer][] = [
      [
        "sgd",
        (p) => sgd(p, { momentum: 0.9, nesterov: true, weightDecay: 1e-3 }),
      ],
      ["adam", (p) => adam(p, { weightDecay: 1e-2 })],
      ["adamw", (p) => adamw(p)],
    ];
    for (const [label, make] of factories) {
      const original = makeProblem();
      const first = make(original.params);
      original.train(first, [0.05, 0.02, 0.04]);
      const state = await first.getState();
      assert.equal(state.step, 3);
      assert.equal(state.kind, label);
      const snapshot = [...original.params].map(([name, v]) =>
        [name, Float32Array.from(v.dataSync())] as const
      );

      const resumed = makeProblem();
      for (const [name, values] of snapshot) {
        resumed.params.get(name)!.assign(
          tf.tensor(values, resumed.params.get(name)!.shape),
        );
      }
      const second = make(resumed.params);
      second.setState(state);
      assert.equal(second.stepCount, 3);

      const tensorsBefore = tf.memory().numTensors;
      original.train(first, [0.03, 0.01]);
      resumed.train(second, [0.03, 0.01]);
      assert.equal(tf.memory().numTensors, tensorsBefore, `${label}: leak`);
      for (const [name, v] of original.params) {
        assert.deepEqual(
          resumed.params.get(name)!.dataSync(),
          v.dataSync(),
          `${label}: ${name}`,
        );
      }
      first.dispose();
      second.dispose();
      original.dispose();
      resumed.dispose();
    }
  });
}

Deno.test("optimizers reject bad options and foreign state with the rule broken", async () => {
  await useBackend("cpu");
  const w = tf.variable(tf.scalar(1));
  const params = new Map([["w", w]]);
  assertThrowsWith(
    () => sgd(params, { momentum: 1 }),
    RangeError,
    "Cannot create an SGD optimizer as momentum must lie in [0, 1): current value is 1",
  );
  assertThrowsWith(
    () => sgd(params, { nesterov: true }),
    RangeError,
    "nesterov needs momentum > 0 and dampening 0",
  );
  assertThrowsWith(
    () => adamw(params, { beta2: -0.1 }),
    RangeError,
    "Cannot create an AdamW optimizer as beta2 must lie in [0, 1): current value is -0.1",
  );
  assertThrowsWith(
    () => adam(params).step(new Map(), Number.NaN),
    RangeError,
    "Cannot take an Adam step as lr must be finite: current value is NaN",
  );
  assertThrowsWith(
    () => adam(params).setState({ kind: "sgd", step: 0, slots: {} }),
    TypeError,
    "Cannot restore the optimizer as the state must come from adam: current value is sgd",
  );
  assertThrowsWith(
    () =>
      adam(params).setState({
        kind: "adam",
        step: 1,
        slots: { "expAvg/w": new Float32Array(2) },
      }),
    TypeError,
    `slot "expAvg/w" must match a parameter's size: current value is 2 values`,
  );
  w.dispose();
});
