/**
 * Classical convergence bounds of (stochastic) gradient methods that take any
 * step-size schedule: convex Lipschitz, smooth non-convex, and smooth
 * strongly convex.
 *
 * @module
 */

import {
  requireNonNegative,
  requireOptions,
  requireOrdered,
  requirePositive,
} from "../_validate.ts";
import type { Schedule } from "../schedule.ts";
import { resolveTotalSteps, sampleRates } from "./_rates.ts";

/** Options of {@linkcode convexBound}. */
export interface ConvexBoundOptions {
  /** Bound G on the (sub)gradient norms, `E ||g_t||² <= G²`. */
  gradientBound: number;
  /** Bound D on the initial distance, `||x_0 - x*|| <= D`. */
  initialDistance: number;
  /** Step budget T. @default {schedule.totalSteps} */
  totalSteps?: number;
}

/**
 * Suboptimality bound of the (stochastic) subgradient method on a convex
 * function with bounded gradients, for the best iterate and for the
 * rate-weighted average iterate.
 *
 * ```text
 * min_t E f(x_t) - f*  <=  E f(x̄_T) - f*  <=  (D² + G² Σ_t η_t²) / (2 Σ_t η_t)
 * x̄_T = Σ_t η_t x_t / Σ_t η_t,   t = 0 .. T-1
 * ```
 * with `G = gradientBound`, `D = initialDistance`, `η_t = schedule(t)`.
 *
 * @param schedule The learning-rate schedule.
 * @param options The problem constants and budget.
 * @returns The bound on the suboptimality.
 * @throws {RangeError} If a constant is negative or not finite, `totalSteps
 * < 1`, every rate is 0, or a rate is negative or not finite.
 * @see Nesterov, "Introductory Lectures on Convex Optimization" (2004),
 * Theorem 3.2.2; Nemirovski, Juditsky, Lan, Shapiro, "Robust stochastic
 * approximation approach to stochastic programming", SIAM J. Optim. 19(4)
 * (2009), eq. (2.18).
 *
 * @example A constant rate D / (G √T) gives D G / √T
 * ```ts
 * import { constant } from "../mod.ts";
 * import { convexBound } from "./bounds.ts";
 *
 * const bound = convexBound(constant({ lr: 1 / 10 }), {
 *   gradientBound: 1,
 *   initialDistance: 1,
 *   totalSteps: 100,
 * });
 * if (Math.abs(bound - 0.1) > 1e-12) throw new Error("expected 1 / √100");
 * ```
 */
export function convexBound(
  schedule: Schedule,
  options: ConvexBoundOptions,
): number {
  const action = "compute convex bound";
  requireOptions(action, options);
  const { gradientBound, initialDistance } = options;
  requireNonNegative(action, "gradientBound", gradientBound);
  requireNonNegative(action, "initialDistance", initialDistance);
  const totalSteps = resolveTotalSteps(action, schedule, options.totalSteps);
  const rates = sampleRates(action, schedule, totalSteps);
  const { sum, sumOfSquares } = moments(rates);
  requirePositive(action, "the sum of the rates", sum);
  return (initialDistance ** 2 + gradientBound ** 2 * sumOfSquares) /
    (2 * sum);
}

/** Options of {@linkcode nonconvexBound}. */
export interface NonconvexBoundOptions {
  /** Smoothness constant L > 0 (Lipschitz constant of the gradient). */
  L: number;
  /** Initial gap Δ = f(x_0) - inf f >= 0. */
  initialGap: number;
  /** Gradient-noise variance σ², `E ||g - ∇f||² <= σ²`. @default {0} */
  noise?: number;
  /** Step budget T. @default {schedule.totalSteps} */
  totalSteps?: number;
}

/** The result of {@linkcode nonconvexBound}. */
export interface NonconvexBound {
  /**
   * The bound on the rate-weighted mean of `E ||∇f(x_t)||²`. It is a
   * guarantee only when `valid` is true.
   */
  bound: number;
  /** Whether every rate satisfies the theorem's condition `η_t <= 1 / L`. */
  valid: boolean;
  /** How many steps break `η_t <= 1 / L`. */
  violations: number;
  /** The first step that breaks it, or -1. */
  firstViolation: number;
  /** The largest rate of the schedule. */
  maxRate: number;
}

/**
 * Stationarity bound of SGD on an L-smooth, possibly non-convex function
 * with unbiased gradients of bounded variance.
 *
 * ```text
 * Σ_t η_t E ||∇f(x_t)||² / Σ_t η_t  <=  (2Δ + L σ² Σ_t η_t²) / Σ_t η_t
 * valid when η_t <= 1 / L for every t = 0 .. T-1
 * ```
 * with `Δ = initialGap`, `σ² = noise`, `η_t = schedule(t)`. The left side is
 * also `E ||∇f(x_τ)||²` for an iterate `x_τ` drawn with probability
 * proportional to `η_τ`. The step condition is checked, not assumed: the
 * result says how many steps break it, and `valid` is false then.
 *
 * @param schedule The learning-rate schedule.
 * @param options The problem constants and budget.
 * @returns The bound and the check of the step condition.
 * @throws {RangeError} If `L <= 0`, `initialGap` or `noise` is negative or
 * not finite, `totalSteps < 1`, every rate is 0, or a rate is negative or not
 * finite.
 * @see Ghadimi & Lan, "Stochastic first- and zeroth-order methods for
 * nonconvex stochastic programming", SIAM J. Optim. 23(4) (2013), Theorem
 * 2.1; Bottou, Curtis, Nocedal, "Optimization methods for large-scale
 * machine learning", SIAM Review 60(2) (2018), Theorem 4.10.
 *
 * @example A peak rate above 1 / L is reported, not hidden
 * ```ts
 * import { constant } from "../mod.ts";
 * import { nonconvexBound } from "./bounds.ts";
 *
 * const result = nonconvexBound(constant({ lr: 0.2 }), {
 *   L: 10,
 *   initialGap: 1,
 *   totalSteps: 50,
 * });
 * if (result.valid || result.violations !== 50) throw new Error("unchecked");
 * ```
 */
export function nonconvexBound(
  schedule: Schedule,
  options: NonconvexBoundOptions,
): NonconvexBound {
  const action = "compute nonconvex bound";
  requireOptions(action, options);
  const { L, initialGap, noise = 0 } = options;
  requirePositive(action, "L", L);
  requireNonNegative(action, "initialGap", initialGap);
  requireNonNegative(action, "noise", noise);
  const totalSteps = resolveTotalSteps(action, schedule, options.totalSteps);
  const rates = sampleRates(action, schedule, totalSteps);
  const { sum, sumOfSquares, maxRate } = moments(rates);
  requirePositive(action, "the sum of the rates", sum);
  let violations = 0;
  let firstViolation = -1;
  for (let t = 0; t < rates.length; t++) {
    if (rates[t] * L > 1) {
      violations += 1;
      if (firstViolation < 0) firstViolation = t;
    }
  }
  return {
    bound: (2 * initialGap + L * noise * sumOfSquares) / sum,
    valid: violations === 0,
    violations,
    firstViolation,
    maxRate,
  };
}

/** Options of {@linkcode stronglyConvexBound}. */
export interface StronglyConvexBoundOptions {
  /** Strong-convexity constant μ > 0. */
  mu: number;
  /** Smoothness constant L >= μ. */
  L: number;
  /** Initial squared distance `E ||x_0 - x*||²`. @default {1} */
  initialError?: number;
  /** Gradient-noise variance σ², `E ||g - ∇f||² <= σ²`. @default {0} */
  noise?: number;
  /** Step budget T. @default {schedule.totalSteps} */
  totalSteps?: number;
}

/** The result of {@linkcode stronglyConvexBound}. */
export interface StronglyConvexBound {
  /** Bound on `E ||x_T - x*||²`. */
  distance: number;
  /** Bound on `E f(x_T) - f*`, that is `L / 2` times `distance`. */
  loss: number;
}

/**
 * Last-iterate bound of SGD on a μ-strongly convex, L-smooth function with
 * unbiased gradients of bounded variance, for any rates.
 *
 * ```text
 * ρ_t     = max(|1 - η_t μ|, |1 - η_t L|)
 * r_{t+1} = ρ_t² r_t + η_t² σ²,   r_0 = E ||x_0 - x*||²
 * E ||x_T - x*||² <= r_T,   E f(x_T) - f* <= L r_T / 2
 * ```
 * with `η_t = schedule(t)`, `σ² = noise`. `ρ_t` is the Lipschitz constant of
 * the gradient step `x -> x - η_t ∇f(x)` on this class, so no step-size
 * condition is needed; for `η_t <= 2 / (μ + L)` it is `1 - η_t μ`, the
 * classical factor. On a quadratic with curvatures in `[μ, L]` the bound is
 * attained by the worst direction.
 *
 * Note: the recursion is carried in log space where products underflow; a
 * diverging schedule can make `distance` and `loss` overflow to Infinity.
 *
 * @param schedule The learning-rate schedule.
 * @param options The problem constants and budget.
 * @returns Bounds on the squared distance and the suboptimality.
 * @throws {RangeError} If `mu <= 0`, `L < mu`, `noise` or `initialError` is
 * negative or not finite, `totalSteps < 1`, or a rate is negative or not
 * finite.
 * @see Ryu & Boyd, "Primer on monotone operator methods", Appl. Comput.
 * Math. 15(1) (2016), §4 (contraction of the gradient step); Bottou, Curtis,
 * Nocedal (2018), Theorem 4.6 (the noisy recursion).
 *
 * @example Gradient descent with rate 1 / L contracts by (1 - 1/κ)² a step
 * ```ts
 * import { constant } from "../mod.ts";
 * import { stronglyConvexBound } from "./bounds.ts";
 *
 * const { distance } = stronglyConvexBound(constant({ lr: 0.1 }), {
 *   mu: 1,
 *   L: 10,
 *   totalSteps: 10,
 * });
 * if (Math.abs(distance - 0.9 ** 20) > 1e-15) throw new Error("bad bound");
 * ```
 */
export function stronglyConvexBound(
  schedule: Schedule,
  options: StronglyConvexBoundOptions,
): StronglyConvexBound {
  const action = "compute strongly convex bound";
  requireOptions(action, options);
  const { mu, L, initialError = 1, noise = 0 } = options;
  requirePositive(action, "mu", mu);
  requirePositive(action, "L", L);
  requireOrdered(action, "mu", mu, "L", L);
  requireNonNegative(action, "initialError", initialError);
  requireNonNegative(action, "noise", noise);
  const totalSteps = resolveTotalSteps(action, schedule, options.totalSteps);
  const rates = sampleRates(action, schedule, totalSteps);
  // r_t = value * exp(scale); rescaled when it grows past 1e200.
  let value = initialError;
  let scale = 0;
  for (const rate of rates) {
    const rho = Math.max(Math.abs(1 - rate * mu), Math.abs(1 - rate * L));
    value = rho * rho * value + rate * rate * noise * Math.exp(-scale);
    if (value > 1e200) {
      value /= 1e200;
      scale += Math.log(1e200);
    }
  }
  const distance = value * Math.exp(scale);
  return { distance, loss: (L / 2) * distance };
}

function moments(rates: Float64Array) {
  let sum = 0;
  let sumOfSquares = 0;
  let maxRate = 0;
  for (const rate of rates) {
    sum += rate;
    sumOfSquares += rate * rate;
    if (rate > maxRate) maxRate = rate;
  }
  return { sum, sumOfSquares, maxRate };
}
