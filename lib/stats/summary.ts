/**
 * Summary statistics of a sample: mean, sample standard deviation and a
 * Student t confidence interval for the mean.
 *
 * @module
 */
import { mean, sampleStandardDeviation } from "simple-statistics";
import { requireFinite, requireInRange } from "../_validate.ts";
import { studentTQuantile } from "./student_t.ts";

/** Mean, spread and confidence interval of one sample, see {@linkcode summarize}. */
export interface Summary {
  /** Number of values. */
  readonly count: number;
  /** Arithmetic mean. */
  readonly mean: number;
  /** Sample standard deviation (divisor n - 1); NaN for a single value. */
  readonly standardDeviation: number;
  /** Half-width of the confidence interval; NaN for a single value. */
  readonly halfWidth: number;
  /** Lower end of the confidence interval, `mean - halfWidth`. */
  readonly low: number;
  /** Upper end of the confidence interval, `mean + halfWidth`. */
  readonly high: number;
  /** The confidence level the interval was built for. */
  readonly confidence: number;
}

/** Options of {@linkcode summarize}. */
export interface SummarizeOptions {
  /**
   * Coverage of the confidence interval.
   * @default {0.95}
   */
  confidence?: number;
}

/**
 * Summarizes a sample (for example, one metric over seeds) by its mean,
 * its sample standard deviation and a two-sided Student t confidence
 * interval for the mean.
 *
 * ```text
 * mean      = (x_1 + ... + x_n) / n
 * s         = sqrt(sum_i (x_i - mean)^2 / (n - 1))
 * halfWidth = t_(1 - (1 - c) / 2, n - 1) * s / sqrt(n)
 * ```
 * where `c` is the confidence level and `t_(q, nu)` the `q` quantile of
 * Student's t distribution with `nu` degrees of freedom.
 *
 * Note: with a single value the spread and the interval are undefined and
 * are reported as NaN rather than as zero.
 *
 * @param values The sample; at least one finite number.
 * @param options See {@linkcode SummarizeOptions}.
 * @returns The {@linkcode Summary}.
 * @throws {RangeError} If the sample is empty, holds a non-finite value, or
 * the confidence is outside (0, 1).
 *
 * @example Three seeds 1, 2, 3: mean 2, s = 1, t_(0.975, 2) = 4.3027
 * ```ts
 * import { summarize } from "./summary.ts";
 *
 * const { mean, halfWidth } = summarize([1, 2, 3]);
 * if (mean !== 2 || Math.abs(halfWidth - 4.302653 / Math.sqrt(3)) > 1e-6) {
 *   throw new Error("off");
 * }
 * ```
 */
export function summarize(
  values: readonly number[],
  options: SummarizeOptions = {},
): Summary {
  const confidence = options.confidence ?? 0.95;
  requireInRange("summarize a sample", "confidence", confidence, {
    low: 0,
    high: 1,
    lowOpen: true,
    highOpen: true,
  });
  if (values.length === 0) {
    throw new RangeError(
      "Cannot summarize a sample as it must hold at least one value: current value is []",
    );
  }
  values.forEach((value, i) =>
    requireFinite("summarize a sample", `values[${i}]`, value)
  );
  const count = values.length;
  const center = mean([...values]);
  if (count === 1) {
    return {
      count,
      mean: center,
      standardDeviation: NaN,
      halfWidth: NaN,
      low: NaN,
      high: NaN,
      confidence,
    };
  }
  const standardDeviation = sampleStandardDeviation([...values]);
  const quantile = studentTQuantile(1 - (1 - confidence) / 2, count - 1);
  const halfWidth = quantile * standardDeviation / Math.sqrt(count);
  return {
    count,
    mean: center,
    standardDeviation,
    halfWidth,
    low: center - halfWidth,
    high: center + halfWidth,
    confidence,
  };
}
