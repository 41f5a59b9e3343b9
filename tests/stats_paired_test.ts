// Paired t-test and exact sign test, checked against values worked out by
// hand (the arithmetic is in the comments) and closed-form t tails.
import assert from "node:assert/strict";
import { pairedTTest, signTest } from "../lib/stats/mod.ts";

function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance: number,
) {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `expected ${expected} within ${tolerance}, got ${actual}`,
  );
}

function assertRangeError(run: () => unknown, message: string) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof RangeError, "expected a RangeError");
    assert.equal(error.message, message);
    return true;
  });
}

Deno.test("pairedTTest() matches a hand computation with five seeds", () => {
  // d = [0.02, 0.02, 0.01, -0.01, 0.02], dbar = 0.012,
  // sum (d - dbar)^2 = 3 * 0.008^2 + 0.002^2 + 0.022^2 = 6.8e-4,
  // s = sqrt(6.8e-4 / 4) = sqrt(1.7e-4), t = 0.012 / (s / sqrt(5)).
  const a = [0.80, 0.82, 0.85, 0.79, 0.81];
  const b = [0.78, 0.80, 0.84, 0.80, 0.79];
  const result = pairedTTest(a, b);
  const s = Math.sqrt(1.7e-4);
  const t = 0.012 / (s / Math.sqrt(5));
  assert.equal(result.count, 5);
  assert.equal(result.degreesOfFreedom, 4);
  assertAlmostEquals(result.meanDifference, 0.012, 1e-12);
  assertAlmostEquals(result.standardDeviation, s, 1e-12);
  assertAlmostEquals(result.t, t, 1e-9);
  // nu = 4: P(|T| >= t) = 1 - u (1 - u^2 / 12) * 3 / 4, u = t / sqrt(1 + t^2/4).
  const u = t / Math.sqrt(1 + t * t / 4);
  assertAlmostEquals(result.pValue, 1 - 0.75 * u * (1 - u * u / 12), 1e-12);
});

Deno.test("pairedTTest() interval at 50% confidence with two pairs is dbar ± s / sqrt(2)", () => {
  // d = [1, 3]: dbar = 2, s = sqrt(2), t_(0.75, 1) = tan(pi / 4) = 1.
  const result = pairedTTest([1, 3], [0, 0], { confidence: 0.5 });
  assertAlmostEquals(result.low, 1, 1e-9);
  assertAlmostEquals(result.high, 3, 1e-9);
  // t = 2 / (sqrt(2) / sqrt(2)) = 2, nu = 1: p = 1 - 2 atan(2) / pi.
  assertAlmostEquals(result.pValue, 1 - 2 * Math.atan(2) / Math.PI, 1e-13);
});

Deno.test("pairedTTest() is antisymmetric in its arguments", () => {
  const a = [3.1, 2.7, 2.9, 3.4];
  const b = [3.0, 2.9, 2.5, 3.3];
  const forward = pairedTTest(a, b);
  const backward = pairedTTest(b, a);
  assertAlmostEquals(forward.t, -backward.t, 1e-12);
  assertAlmostEquals(forward.pValue, backward.pValue, 1e-15);
  assertAlmostEquals(forward.low, -backward.high, 1e-12);
});

Deno.test("pairedTTest() handles constant differences", () => {
  const same = pairedTTest([1, 2, 3], [1, 2, 3]);
  assert.equal(same.t, 0);
  assert.equal(same.pValue, 1);
  const shifted = pairedTTest([2, 3, 4], [1, 2, 3]);
  assert.equal(shifted.t, Infinity);
  assert.equal(shifted.pValue, 0);
  assert.equal(shifted.low, 1);
  assert.equal(shifted.high, 1);
});

Deno.test("pairedTTest() rejects unequal lengths, single pairs and NaN", () => {
  assertRangeError(
    () => pairedTTest([1, 2], [1]),
    "Cannot run a paired t-test as both samples must have the same length: current values are 2 and 1",
  );
  assertRangeError(
    () => pairedTTest([1], [2]),
    "Cannot run a paired t-test as it needs at least 2 pairs: current value is 1",
  );
  assertRangeError(
    () => pairedTTest([1, NaN], [2, 3]),
    "Cannot run a paired t-test as a[1] must be finite: current value is NaN",
  );
});

Deno.test("signTest() gives exact binomial p-values", () => {
  // 5 of 5: 2 / 2^5. 4 of 5: 2 (1 + 5) / 32 = 0.375. 3 of 6 with
  // one tie left out: m = 5, k = 2, 2 (1 + 5 + 10) / 32 = 1.
  assert.equal(signTest([1, 1, 1, 1, 1], [0, 0, 0, 0, 0]).pValue, 0.0625);
  const fourOfFive = signTest([1, 1, 1, 1, 0], [0, 0, 0, 0, 1]);
  assert.equal(fourOfFive.positives, 4);
  assert.equal(fourOfFive.negatives, 1);
  assertAlmostEquals(fourOfFive.pValue, 0.375, 1e-15);
  const withTie = signTest([1, 1, 1, 0, 0, 5], [0, 0, 0, 1, 1, 5]);
  assert.equal(withTie.ties, 1);
  assert.equal(withTie.pValue, 1);
  // 10 of 10: 2 / 1024.
  const ten = Array.from({ length: 10 }, () => 1);
  const zeros = Array.from({ length: 10 }, () => 0);
  assertAlmostEquals(signTest(zeros, ten).pValue, 2 / 1024, 1e-17);
});

Deno.test("signTest() counts differences within the tolerance as ties", () => {
  const result = signTest([1.0005, 2, 3.1], [1, 2.0004, 3], {
    tolerance: 1e-3,
  });
  assert.equal(result.positives, 1);
  assert.equal(result.negatives, 0);
  assert.equal(result.ties, 2);
  assert.equal(result.pValue, 1);
  assert.equal(signTest([], []).pValue, 1);
});

Deno.test("signTest() rejects a negative tolerance", () => {
  assertRangeError(
    () => signTest([1], [0], { tolerance: -1 }),
    "Cannot run a sign test as tolerance must be non-negative: current value is -1",
  );
});
