// Hessian-vector products of tfjs losses and the Lanczos estimators, on
// models whose Hessian is known in closed form.

import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../lib/engine/backend.ts";
import { hessianOperator, type TensorLoss } from "../lib/spectrum/hessian.ts";
import {
  powerIteration,
  spectralDensity,
  topEigenvalues,
} from "../lib/spectrum/lanczos.ts";
import { assert, assertThrowsWith } from "./_assert.ts";

// The engine registers tfjs's gradient functions; the cpu backend computes
// in plain float32 JavaScript, the most predictable oracle here.
await useBackend("cpu");

/** Householder reflection I - 2 u uᵀ / (uᵀ u) as rows. */
function householder(u: number[]): number[][] {
  const squared = u.reduce((s, x) => s + x * x, 0);
  return u.map((ui, i) =>
    u.map((uj, j) => (i === j ? 1 : 0) - (2 * ui * uj) / squared)
  );
}

function multiply(a: number[][], b: number[][]): number[][] {
  return a.map((row) =>
    b[0].map((_, j) => row.reduce((s, x, k) => s + x * b[k][j], 0))
  );
}

function apply(a: number[][], v: ArrayLike<number>): number[] {
  return a.map((row) => row.reduce((s, x, k) => s + x * v[k], 0));
}

function relativeError(actual: ArrayLike<number>, expected: number[]): number {
  let difference = 0;
  let size = 0;
  expected.forEach((x, i) => {
    difference += (actual[i] - x) ** 2;
    size += x * x;
  });
  return Math.sqrt(difference / size);
}

const n = 12;
// Known spectrum d; rotations H1, H2 make the Hessian dense.
const spectrum = Array.from({ length: n }, (_, i) => 0.1 * 1.6 ** i);
const h1 = householder(Array.from({ length: n }, (_, i) => Math.sin(i + 1)));
const h2 = householder(
  Array.from({ length: n }, (_, i) => Math.cos(2 * i + 0.5)),
);
const diagonal = (values: number[]) =>
  values.map((x, i) => values.map((_, j) => (i === j ? x : 0)));
// Quadratic ½ wᵀ A w with A = H2 diag(d) H2.
const quadraticMatrix = multiply(multiply(h2, diagonal(spectrum)), h2);
// Linear regression ||X w - y||² / (2n) with X = H1 diag(√(n d)) H2, so
// Xᵀ X / n = H2 diag(d) H2.
const design = multiply(
  multiply(h1, diagonal(spectrum.map((d) => Math.sqrt(n * d)))),
  h2,
);
const direction = Float64Array.from(
  { length: n },
  (_, i) => Math.cos(3 * i) + 0.2,
);
const start = tf.tensor1d(
  Array.from({ length: n }, (_, i) => 0.1 * (i % 3) - 0.1),
);

const quadraticLoss: TensorLoss = ([w]) => {
  const a = tf.tensor2d(quadraticMatrix);
  const aw = tf.reshape(tf.matMul(a, tf.reshape(w, [n, 1])), [n]);
  return tf.mul(tf.scalar(0.5), tf.sum(tf.mul(w, aw))) as tf.Scalar;
};

const targets = tf.tensor1d(Array.from({ length: n }, (_, i) => Math.sin(i)));
const regressionLoss: TensorLoss = ([w]) => {
  const x = tf.tensor2d(design);
  const residual = tf.sub(
    tf.reshape(tf.matMul(x, tf.reshape(w, [n, 1])), [n]),
    targets,
  );
  return tf.mul(
    tf.scalar(1 / (2 * n)),
    tf.sum(tf.square(residual)),
  ) as tf.Scalar;
};

Deno.test("hessianOperator() reproduces A v for a quadratic and Xᵀ X v / n for regression", async (t) => {
  for (const method of ["finite-difference", "double-backprop"] as const) {
    await t.step(method, async () => {
      const expected = apply(quadraticMatrix, direction);
      const quadratic = hessianOperator(quadraticLoss, [start], { method });
      assert.ok(
        relativeError(await quadratic.apply(direction), expected) < 1e-5,
      );
      const regression = hessianOperator(regressionLoss, [start], { method });
      assert.ok(
        relativeError(await regression.apply(direction), expected) < 1e-5,
      );
    });
  }
});

Deno.test("hessianOperator() by finite differences matches the logistic Hessian Xᵀ D X", async () => {
  const rows = design.map((row) => row.map((x) => x / 4));
  const logisticLoss: TensorLoss = ([w]) => {
    const z = tf.reshape(tf.matMul(tf.tensor2d(rows), tf.reshape(w, [n, 1])), [
      n,
    ]);
    return tf.sum(tf.softplus(tf.neg(z))) as tf.Scalar;
  };
  const w = start.dataSync();
  // H = Σ_i σ(z_i)(1 - σ(z_i)) x_i x_iᵀ.
  const expected = new Array(n).fill(0);
  for (const row of rows) {
    const z = row.reduce((s, x, k) => s + x * w[k], 0);
    const sigma = 1 / (1 + Math.exp(-z));
    const projection = row.reduce((s, x, k) => s + x * direction[k], 0);
    row.forEach((
      x,
      k,
    ) => (expected[k] += sigma * (1 - sigma) * projection * x));
  }
  const operator = hessianOperator(logisticLoss, [start]);
  assert.ok(relativeError(await operator.apply(direction), expected) < 1e-3);
});

Deno.test("powerIteration() and topEigenvalues() find the regression Hessian's top eigenvalues", async () => {
  const operator = hessianOperator(regressionLoss, [start]);
  const sorted = [...spectrum].sort((a, b) => b - a);
  const power = await powerIteration(operator, {
    maxProducts: 200,
    tolerance: 1e-8,
    seed: 3,
  });
  assert.ok(power.products <= 200);
  assert.ok(
    Math.abs(power.eigenvalue / sorted[0] - 1) < 1e-4,
    `${power.eigenvalue}`,
  );
  const top = await topEigenvalues(operator, {
    count: 3,
    maxProducts: n,
    seed: 3,
  });
  assert.equal(top.products, n);
  top.eigenvalues.forEach((value, k) => {
    assert.ok(
      Math.abs(value / sorted[k] - 1) < 1e-4,
      `${value} vs ${sorted[k]}`,
    );
  });
});

Deno.test("spectralDensity() puts its weight on the known spectrum, reproducibly", async () => {
  const operator = hessianOperator(quadraticLoss, [start]);
  const full = await spectralDensity(operator, {
    probes: 2,
    steps: n,
    seed: 5,
  });
  assert.equal(full.products, 2 * n);
  const total = full.weights.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - 1) < 1e-12);
  // With m = n steps every node is an eigenvalue.
  for (const node of full.eigenvalues) {
    const nearest = Math.min(...spectrum.map((d) => Math.abs(node / d - 1)));
    assert.ok(nearest < 1e-4, `node ${node}`);
  }
  // Gauss quadrature is exact for the first moment: Σ τ² θ = mean of vᵀ A v,
  // and E vᵀ A v = trace / n.
  const short = await spectralDensity(operator, {
    probes: 40,
    steps: 4,
    seed: 5,
  });
  const mean = short.eigenvalues.reduce(
    (s, x, k) => s + x * short.weights[k],
    0,
  );
  const trace = spectrum.reduce((a, b) => a + b, 0) / n;
  assert.ok(
    Math.abs(mean / trace - 1) < 0.15,
    `mean ${mean}, trace / n ${trace}`,
  );

  const again = await spectralDensity(operator, {
    probes: 40,
    steps: 4,
    seed: 5,
  });
  assert.deepEqual(again.eigenvalues, short.eigenvalues);
  const other = await spectralDensity(operator, {
    probes: 40,
    steps: 4,
    seed: 6,
  });
  assert.notDeepEqual(other.eigenvalues, short.eigenvalues);
});

Deno.test("the estimators refuse to spend more products than allowed", async () => {
  const operator = hessianOperator(quadraticLoss, [start]);
  let caught: unknown;
  try {
    await spectralDensity(operator, { probes: 4, steps: 10, maxProducts: 30 });
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof RangeError && /maxProducts/.test(caught.message));
  assertThrowsWith(
    () => hessianOperator(quadraticLoss, [], {}),
    RangeError,
    "params",
  );
  assertThrowsWith(
    () => hessianOperator(quadraticLoss, [start], { relativeStep: 0 }),
    RangeError,
    "relativeStep",
  );
});
