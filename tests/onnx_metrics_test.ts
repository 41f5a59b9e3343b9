// Host-side metrics of the ONNX evaluation, against closed forms.

import assert from "node:assert/strict";
import {
  accumulateLogits,
  emptyTotals,
  summarise,
} from "../lib/onnx/metrics.ts";

function close(actual: number, expected: number, tolerance = 1e-12): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `expected ${expected}, got ${actual}`,
  );
}

Deno.test("accumulateLogits() gives ln K for uniform logits over K classes", () => {
  const totals = accumulateLogits(
    emptyTotals(),
    new Float32Array(2 * 5),
    Int32Array.of(0, 3),
    5,
  );
  const metrics = summarise(totals);
  close(metrics.loss, Math.log(5));
  close(metrics.perplexity, 5, 1e-9);
  // Ties go to the first class, as tf.argMax does: label 0 right, 3 wrong.
  assert.equal(metrics.accuracy, 0.5);
  assert.equal(metrics.count, 2);
});

Deno.test("accumulateLogits() matches ln(1 + e^(b - a)) for two classes", () => {
  const metrics = summarise(
    accumulateLogits(emptyTotals(), Float32Array.of(1.5, -0.5), [0], 2),
  );
  close(metrics.loss, Math.log(1 + Math.exp(-2)));
  assert.equal(metrics.accuracy, 1);
});

Deno.test("accumulateLogits() stays finite for very large logits", () => {
  const metrics = summarise(
    accumulateLogits(emptyTotals(), Float32Array.of(1000, 0, -1000), [1], 3),
  );
  close(metrics.loss, 1000);
});

Deno.test("accumulateLogits() weighs batches of unequal size by their size", () => {
  const logits = Float32Array.of(2, 0, 0, 1, 3, 1, -1, 0, 0.5, 0.25);
  const labels = Int32Array.of(0, 1, 1, 0, 1);
  const whole = summarise(accumulateLogits(emptyTotals(), logits, labels, 2));
  const parts = emptyTotals();
  accumulateLogits(parts, logits.subarray(0, 6), labels.subarray(0, 3), 2);
  accumulateLogits(parts, logits.subarray(6), labels.subarray(3), 2);
  close(summarise(parts).loss, whole.loss);
  assert.equal(summarise(parts).accuracy, whole.accuracy);
});

Deno.test("accumulateLogits() rejects sizes and labels that do not fit", () => {
  assert.throws(
    () => accumulateLogits(emptyTotals(), new Float32Array(5), [0, 1], 3),
    {
      name: "RangeError",
      message:
        "Cannot score the logits as their size must be labels x classes (2 x 3): current value is 5",
    },
  );
  assert.throws(
    () => accumulateLogits(emptyTotals(), new Float32Array(3), [3], 3),
    {
      name: "RangeError",
      message:
        "Cannot score the logits as labels must lie in [0, 3): current value is 3",
    },
  );
});
