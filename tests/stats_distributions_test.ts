// Student t distribution and confidence intervals, checked against closed
// forms: nu = 1 (Cauchy), nu = 2 and nu = 4 have elementary CDFs, and a very
// large nu approaches the standard normal.
import assert from "node:assert/strict";
import {
  studentTCdf,
  studentTQuantile,
  studentTTwoSidedTail,
  summarize,
} from "../lib/stats/mod.ts";

// F(t) for nu = 1: 1/2 + atan(t) / pi.
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
const assertEquals = (actual: unknown, expected: unknown) =>
  assert.deepEqual(actual, expected);
function assertThrows(
  run: () => unknown,
  errorClass: ErrorConstructor | RangeErrorConstructor,
  message: string,
) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof errorClass, `expected ${errorClass.name}`);
    assert.equal((error as Error).message, message);
    return true;
  });
}

const cauchyCdf = (t: number) => 0.5 + Math.atan(t) / Math.PI;
// F(t) for nu = 2: 1/2 + t / (2 sqrt(2 + t^2)).
const twoCdf = (t: number) => 0.5 + t / (2 * Math.sqrt(2 + t * t));
// F(t) for nu = 4: 1/2 + (3/8) s (1 - s^2 / 12) with s = t / sqrt(1 + t^2/4),
// where s / 2 = sin(theta), tan(theta) = t / 2.
const fourCdf = (t: number) => {
  const s = t / Math.sqrt(1 + t * t / 4);
  return 0.5 + (3 / 8) * s * (1 - s * s / 12);
};

Deno.test("studentTCdf() matches the closed forms for nu = 1, 2 and 4", () => {
  for (const t of [-30, -4.3, -1, -0.2, 0, 0.3, 1, 2.5, 12.7, 100]) {
    assertAlmostEquals(studentTCdf(t, 1), cauchyCdf(t), 1e-13);
    assertAlmostEquals(studentTCdf(t, 2), twoCdf(t), 1e-13);
    assertAlmostEquals(studentTCdf(t, 4), fourCdf(t), 1e-13);
  }
});

Deno.test("studentTCdf() tends to the normal CDF for a huge nu", () => {
  // Phi(1.959963984540054) = 0.975, Phi(1) = 0.8413447460685429.
  assertAlmostEquals(studentTCdf(1.959963984540054, 1e9), 0.975, 1e-8);
  assertAlmostEquals(studentTCdf(1, 1e9), 0.8413447460685429, 1e-8);
});

Deno.test("studentTCdf() handles infinities and rejects bad input", () => {
  assertEquals(studentTCdf(Infinity, 3), 1);
  assertEquals(studentTCdf(-Infinity, 3), 0);
  assertThrows(
    () => studentTCdf(NaN, 3),
    RangeError,
    "Cannot evaluate the Student t distribution as t must not be NaN: current value is NaN",
  );
  assertThrows(
    () => studentTCdf(1, 0),
    RangeError,
    "Cannot evaluate the Student t distribution as degreesOfFreedom must be positive: current value is 0",
  );
});

Deno.test("studentTTwoSidedTail() equals 2 (1 - F(|t|)) without cancellation", () => {
  for (const t of [0, 0.5, 2, 7]) {
    assertAlmostEquals(studentTTwoSidedTail(t, 2), 2 * (1 - twoCdf(t)), 1e-13);
    assertAlmostEquals(
      studentTTwoSidedTail(-t, 4),
      2 * (1 - fourCdf(t)),
      1e-13,
    );
  }
  // Far in the tail of nu = 1: P(|T| >= t) = 1 - 2 atan(t) / pi ~ 2 / (pi t).
  assertAlmostEquals(studentTTwoSidedTail(1e8, 1), 2 / (Math.PI * 1e8), 1e-20);
});

Deno.test("studentTQuantile() inverts the closed forms", () => {
  // nu = 1: tan(pi (p - 1/2)); nu = 2: a sqrt(2 / (1 - a^2)), a = 2p - 1.
  for (const p of [0.025, 0.1, 0.5, 0.9, 0.975, 0.995]) {
    assertAlmostEquals(
      studentTQuantile(p, 1),
      Math.tan(Math.PI * (p - 0.5)),
      1e-9,
    );
    const a = 2 * p - 1;
    assertAlmostEquals(
      studentTQuantile(p, 2),
      a * Math.sqrt(2 / (1 - a * a)),
      1e-10,
    );
  }
  assertThrows(
    () => studentTQuantile(1, 3),
    RangeError,
    "Cannot invert the Student t distribution as probability must lie in (0, 1): current value is 1",
  );
});

Deno.test("summarize() gives mean, sample deviation and the t interval", () => {
  // Values 1, 2, 3: mean 2, s = 1, t_(0.975, 2) = sqrt(2 * 0.95^2 / 0.0975).
  const summary = summarize([3, 1, 2]);
  const quantile = Math.sqrt(2 * 0.95 ** 2 / (1 - 0.95 ** 2));
  assertEquals(summary.count, 3);
  assertEquals(summary.mean, 2);
  assertAlmostEquals(summary.standardDeviation, 1, 1e-15);
  assertAlmostEquals(summary.halfWidth, quantile / Math.sqrt(3), 1e-10);
  assertAlmostEquals(summary.low, 2 - quantile / Math.sqrt(3), 1e-10);
  assertAlmostEquals(summary.high, 2 + quantile / Math.sqrt(3), 1e-10);
});

Deno.test("summarize() at 50% confidence with nu = 1 uses t = tan(pi / 4) = 1", () => {
  // Values 0 and 2: mean 1, s = sqrt(2), half-width = 1 * sqrt(2) / sqrt(2).
  const summary = summarize([0, 2], { confidence: 0.5 });
  assertAlmostEquals(summary.halfWidth, 1, 1e-10);
});

Deno.test("summarize() reports NaN spread for one value and rejects bad samples", () => {
  const single = summarize([0.7]);
  assertEquals(single.mean, 0.7);
  assertEquals(single.standardDeviation, NaN);
  assertEquals(single.halfWidth, NaN);
  assertThrows(
    () => summarize([]),
    RangeError,
    "Cannot summarize a sample as it must hold at least one value: current value is []",
  );
  assertThrows(
    () => summarize([1, NaN]),
    RangeError,
    "Cannot summarize a sample as values[1] must be finite: current value is NaN",
  );
});
