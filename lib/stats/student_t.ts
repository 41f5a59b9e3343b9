/**
 * The Student t distribution: its cumulative distribution function and its
 * quantile function, for any positive (also fractional) degrees of freedom.
 *
 * @module
 */
import {
  requireInRange,
  requireNumber,
  requirePositive,
} from "../_validate.ts";
import { regularizedIncompleteBeta } from "./_incomplete_beta.ts";

/**
 * The cumulative distribution function of Student's t distribution.
 *
 * ```text
 * F(t) = 1 - I_x(nu / 2, 1 / 2) / 2   for t >= 0,   x = nu / (nu + t^2)
 * F(t) = 1 - F(-t)                     for t < 0
 * ```
 * where `nu` is the degrees of freedom and `I_x(a, b)` the regularized
 * incomplete beta function.
 *
 * @param t The point at which to evaluate; `±Infinity` gives 1 or 0.
 * @param degreesOfFreedom `nu`, any positive number.
 * @returns `P(T <= t)` for `T ~ t(nu)`.
 * @throws {RangeError} If `t` is NaN or `degreesOfFreedom` is not positive.
 *
 * @example The Cauchy case, nu = 1, has F(1) = 3/4
 * ```ts
 * import { studentTCdf } from "./student_t.ts";
 *
 * if (Math.abs(studentTCdf(1, 1) - 0.75) > 1e-12) throw new Error("off");
 * ```
 */
export function studentTCdf(t: number, degreesOfFreedom: number): number {
  requireNumber("evaluate the Student t distribution", "t", t);
  if (Number.isNaN(t)) {
    throw new RangeError(
      "Cannot evaluate the Student t distribution as t must not be NaN: current value is NaN",
    );
  }
  requirePositive(
    "evaluate the Student t distribution",
    "degreesOfFreedom",
    degreesOfFreedom,
  );
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const x = degreesOfFreedom / (degreesOfFreedom + t * t);
  const tail = regularizedIncompleteBeta(x, degreesOfFreedom / 2, 0.5) / 2;
  return t >= 0 ? 1 - tail : tail;
}

/**
 * The two-sided tail probability `P(|T| >= |t|)` of Student's t
 * distribution, computed without the cancellation of `2 (1 - F(|t|))`.
 *
 * ```text
 * P(|T| >= |t|) = I_x(nu / 2, 1 / 2),   x = nu / (nu + t^2)
 * ```
 *
 * @param t The observed statistic.
 * @param degreesOfFreedom `nu`, any positive number.
 * @returns The two-sided p-value of `t`.
 * @throws {RangeError} If `t` is NaN or `degreesOfFreedom` is not positive.
 *
 * @example With nu = 2 the tail has the closed form 1 - |t| / sqrt(2 + t^2)
 * ```ts
 * import { studentTTwoSidedTail } from "./student_t.ts";
 *
 * const expected = 1 - 2 / Math.sqrt(6);
 * if (Math.abs(studentTTwoSidedTail(2, 2) - expected) > 1e-12) {
 *   throw new Error("off");
 * }
 * ```
 */
export function studentTTwoSidedTail(
  t: number,
  degreesOfFreedom: number,
): number {
  requireNumber("evaluate a Student t tail", "t", t);
  if (Number.isNaN(t)) {
    throw new RangeError(
      "Cannot evaluate a Student t tail as t must not be NaN: current value is NaN",
    );
  }
  requirePositive(
    "evaluate a Student t tail",
    "degreesOfFreedom",
    degreesOfFreedom,
  );
  if (!Number.isFinite(t)) return 0;
  const x = degreesOfFreedom / (degreesOfFreedom + t * t);
  return regularizedIncompleteBeta(x, degreesOfFreedom / 2, 0.5);
}

/**
 * The quantile function (inverse CDF) of Student's t distribution: the `t`
 * with `F(t) = probability`, found by bisection on {@linkcode studentTCdf}
 * to full double precision.
 *
 * @param probability A probability strictly between 0 and 1.
 * @param degreesOfFreedom `nu`, any positive number.
 * @returns The `probability` quantile of `t(nu)`.
 * @throws {RangeError} If `probability` is outside (0, 1) or
 * `degreesOfFreedom` is not positive.
 *
 * @example The 97.5% quantile with nu = 1 is tan(0.475 pi) = 12.7062...
 * ```ts
 * import { studentTQuantile } from "./student_t.ts";
 *
 * const q = studentTQuantile(0.975, 1);
 * if (Math.abs(q - Math.tan(0.475 * Math.PI)) > 1e-9) throw new Error("off");
 * ```
 */
export function studentTQuantile(
  probability: number,
  degreesOfFreedom: number,
): number {
  requireInRange(
    "invert the Student t distribution",
    "probability",
    probability,
    {
      low: 0,
      high: 1,
      lowOpen: true,
      highOpen: true,
    },
  );
  requirePositive(
    "invert the Student t distribution",
    "degreesOfFreedom",
    degreesOfFreedom,
  );
  if (probability === 0.5) return 0;
  if (probability < 0.5) {
    return -studentTQuantile(1 - probability, degreesOfFreedom);
  }
  // Bracket the root on [0, high], then halve until the bracket stops
  // shrinking in floating point.
  let low = 0;
  let high = 1;
  while (studentTCdf(high, degreesOfFreedom) < probability) high *= 2;
  for (let i = 0; i < 2000; i++) {
    const middle = (low + high) / 2;
    if (middle === low || middle === high) break;
    if (studentTCdf(middle, degreesOfFreedom) < probability) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}
