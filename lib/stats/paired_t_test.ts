/**
 * The paired Student t-test: are two treatments measured on the same units
 * (here, two schedules trained with the same seeds) different on average?
 *
 * @module
 */
import { mean, sampleStandardDeviation } from "simple-statistics";
import { requireFinite, requireInRange } from "../_validate.ts";
import { studentTQuantile, studentTTwoSidedTail } from "./student_t.ts";

/** Result of {@linkcode pairedTTest}. */
export interface PairedTTest {
  /** Number of pairs n. */
  readonly count: number;
  /** Mean of the differences `a_i - b_i`. */
  readonly meanDifference: number;
  /** Sample standard deviation of the differences. */
  readonly standardDeviation: number;
  /** The t statistic; ±Infinity when all differences are equal and non-zero. */
  readonly t: number;
  /** Degrees of freedom, n - 1. */
  readonly degreesOfFreedom: number;
  /** Two-sided p-value of the null hypothesis "mean difference is zero". */
  readonly pValue: number;
  /** Lower end of the confidence interval of the mean difference. */
  readonly low: number;
  /** Upper end of the confidence interval of the mean difference. */
  readonly high: number;
}

/** Options of {@linkcode pairedTTest}. */
export interface PairedTTestOptions {
  /**
   * Coverage of the interval for the mean difference.
   * @default {0.95}
   */
  confidence?: number;
}

/**
 * Paired two-sided t-test of `a` against `b`, pair `i` being `(a[i], b[i])`.
 *
 * ```text
 * d_i = a_i - b_i,  dbar = mean(d),  s = sample standard deviation of d
 * t   = dbar / (s / sqrt(n)),        nu = n - 1
 * p   = P(|T_nu| >= |t|)
 * CI  = dbar ± t_(1 - (1 - c) / 2, nu) * s / sqrt(n)
 * ```
 *
 * Note: when every difference is the same, `s = 0`; the test then reports
 * `t = 0, p = 1` if that difference is zero and `t = ±Infinity, p = 0`
 * otherwise, with a zero-width interval.
 *
 * @param a First measurements.
 * @param b Second measurements, same length, paired by index.
 * @param options See {@linkcode PairedTTestOptions}.
 * @returns The {@linkcode PairedTTest}.
 * @throws {RangeError} If the lengths differ, there are fewer than two
 * pairs, or a value is not finite.
 *
 * @example Differences 1, 2, 3 give t = 2 sqrt(3) and, with nu = 2,
 * p = 1 - t / sqrt(2 + t^2)
 * ```ts
 * import { pairedTTest } from "./paired_t_test.ts";
 *
 * const { t, pValue } = pairedTTest([2, 4, 6], [1, 2, 3]);
 * const expected = 1 - t / Math.sqrt(2 + t * t);
 * if (Math.abs(t - 2 * Math.sqrt(3)) > 1e-12) throw new Error("off");
 * if (Math.abs(pValue - expected) > 1e-12) throw new Error("off");
 * ```
 */
export function pairedTTest(
  a: readonly number[],
  b: readonly number[],
  options: PairedTTestOptions = {},
): PairedTTest {
  const action = "run a paired t-test";
  const confidence = options.confidence ?? 0.95;
  requireInRange(action, "confidence", confidence, {
    low: 0,
    high: 1,
    lowOpen: true,
    highOpen: true,
  });
  if (a.length !== b.length) {
    throw new RangeError(
      `Cannot ${action} as both samples must have the same length: current values are ${a.length} and ${b.length}`,
    );
  }
  if (a.length < 2) {
    throw new RangeError(
      `Cannot ${action} as it needs at least 2 pairs: current value is ${a.length}`,
    );
  }
  a.forEach((value, i) => requireFinite(action, `a[${i}]`, value));
  b.forEach((value, i) => requireFinite(action, `b[${i}]`, value));

  const differences = a.map((value, i) => value - b[i]);
  const count = differences.length;
  const degreesOfFreedom = count - 1;
  const meanDifference = mean(differences);
  const standardDeviation = differences.every((d) => d === differences[0])
    ? 0
    : sampleStandardDeviation(differences);
  const standardError = standardDeviation / Math.sqrt(count);
  const halfWidth =
    studentTQuantile(1 - (1 - confidence) / 2, degreesOfFreedom) *
    standardError;

  let t: number;
  if (standardError > 0) t = meanDifference / standardError;
  else if (meanDifference === 0) t = 0;
  else t = meanDifference > 0 ? Infinity : -Infinity;

  return {
    count,
    meanDifference,
    standardDeviation,
    t,
    degreesOfFreedom,
    pValue: studentTTwoSidedTail(t, degreesOfFreedom),
    low: meanDifference - halfWidth,
    high: meanDifference + halfWidth,
  };
}
