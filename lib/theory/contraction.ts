/**
 * Worst-case contraction of gradient descent on quadratics: the exact
 * maximum over a curvature range of the error polynomial of a schedule, and
 * the closed form of the Chebyshev optimum.
 *
 * @module
 */

import {
  requireInteger,
  requireOptions,
  requireOrdered,
  requirePositive,
} from "../_validate.ts";
import type { Schedule } from "../schedule.ts";
import { LogPotential } from "./_log_potential.ts";
import { resolveTotalSteps, sampleRates } from "./_rates.ts";
import { readSpectrum } from "./quadratic_loss.ts";

/** Options of {@linkcode worstCaseContraction}. */
export interface ContractionOptions {
  /** Smallest curvature μ > 0 (Hessian eigenvalue) of the quadratic. */
  mu: number;
  /** Largest curvature L >= μ. */
  L: number;
  /**
   * Step budget T: steps `0 .. T - 1` are applied.
   * @default {schedule.totalSteps}
   */
  totalSteps?: number;
}

/** The result of {@linkcode worstCaseAnalysis}. */
export interface WorstCase {
  /** `max |p(λ)|` over `[mu, L]`; 0 where it underflows. */
  contraction: number;
  /** Natural logarithm of the contraction; finite unless it is exactly 0. */
  logContraction: number;
  /** The curvature λ at which the maximum is reached. */
  curvature: number;
}

// Bracketed Newton iterations per interval before giving up on Newton and
// finishing with bisection steps only.
const MAX_ITERATIONS = 200;
// The search stops once the next step would change log|p| by less than
// VALUE_TOLERANCE, or the bracket is narrower than WIDTH_TOLERANCE times the
// gap between the two roots.
const VALUE_TOLERANCE = 1e-13;
const WIDTH_TOLERANCE = 1e-12;

/**
 * `log |p(λ)| = Σ_t log |1 - η_t λ|` evaluated directly, with `log1p` where
 * `η_t λ` is small so that long products of factors near 1 keep their digits.
 */
function logFactor(rates: Float64Array, curvature: number): number {
  let sum = 0;
  for (let t = 0; t < rates.length; t++) {
    const x = rates[t] * curvature;
    if (x === 1) return -Infinity;
    sum += x < 0.5 ? Math.log1p(-x) : Math.log(Math.abs(1 - x));
  }
  return sum;
}

/** Sorted distinct roots `1 / η_t` of the positive rates, with counts. */
function distinctRoots(rates: Float64Array): {
  roots: Float64Array;
  counts: Float64Array;
} {
  const positive = rates.filter((rate) => rate > 0).map((rate) => 1 / rate);
  positive.sort();
  const roots: number[] = [];
  const counts: number[] = [];
  for (const root of positive) {
    if (roots.length > 0 && roots[roots.length - 1] === root) {
      counts[counts.length - 1] += 1;
    } else {
      roots.push(root);
      counts.push(1);
    }
  }
  return {
    roots: Float64Array.from(roots),
    counts: Float64Array.from(counts),
  };
}

/**
 * The maximiser of the strictly concave `S(λ) = log|p(λ)|` between the two
 * consecutive roots `left < right`, searched on `[low, high]` (their
 * intersection with the curvature range), or `undefined` when the maximum of
 * that piece lies outside the range. The search starts at the fraction
 * `guess` of the gap (the previous gap's answer: for schedules sampled from
 * smooth curves it changes slowly from gap to gap).
 *
 * On return `potential` holds the values at the returned point. Each step
 * fits the two-pole model `α / (λ - left) + β / (λ - right)` to the
 * slope `S'` and curvature `S''` at the current point and jumps to the
 * model's zero `(α right + β left) / (α + β)`, the usual iteration for secular
 * equations. A bracket shrinks on every evaluation, and a step that leaves it
 * (or a fit with `α <= 0` or `β <= 0`) is replaced by bisection.
 */
function peakBetween(
  potential: LogPotential,
  left: number,
  right: number,
  low: number,
  high: number,
  guess: number,
): number | undefined {
  let lower = low;
  let upper = high;
  if (low > left) {
    potential.evaluate(low);
    if (potential.slope <= 0) return undefined;
  }
  if (high < right) {
    potential.evaluate(high);
    if (potential.slope >= 0) return undefined;
  }
  let x = left + guess * (right - left);
  if (!(x > lower && x < upper)) x = (lower + upper) / 2;
  const width = (right - left) * WIDTH_TOLERANCE;
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    potential.evaluate(x);
    const { slope, curvature } = potential;
    if (slope === 0) return x;
    if (slope > 0) lower = x;
    else upper = x;
    // p = 1 / (x - left) > 0 and q = 1 / (x - right) < 0.
    const p = 1 / (x - left);
    const q = 1 / (x - right);
    const alpha = (slope * q + curvature) / (p * (q - p));
    const beta = -(curvature + p * slope) / (q * (q - p));
    let next = (alpha * right + beta * left) / (alpha + beta);
    if (!(alpha > 0 && beta > 0 && next > lower && next < upper)) {
      next = (lower + upper) / 2;
    }
    // Moving on would raise S by about |S'| |next - x| / 2 at most.
    if (Math.abs(slope * (next - x)) <= VALUE_TOLERANCE) return x;
    if (upper - lower <= width) return x;
    x = next;
  }
  potential.evaluate(x);
  return x;
}

/**
 * The worst case over `[mu, L]` of the error polynomial of a schedule, with
 * the curvature that attains it.
 *
 * ```text
 * p(λ)      = Π_{t=0}^{T-1} (1 - η_t λ)
 * result    = max_{μ <= λ <= L} |p(λ)|
 * ```
 * where `η_t = schedule(t)`, `μ = mu`, `T = totalSteps`. Between two
 * consecutive roots `1 / η_t` the function `log|p|` is strictly concave, so
 * `|p|` has exactly one local maximum there, at the zero of
 * `d/dλ log|p(λ)| = Σ_t η_t / (η_t λ - 1)`. The result is the largest of
 * these maxima inside the range and of the two ends `μ` and `L`: exact, not a
 * grid search. Everything is computed in log space, so very long budgets do
 * not underflow into NaN.
 *
 * Note: with more than a few dozen distinct rates the sums over roots use a
 * multipole treecode (relative error about 1e-12 per evaluation) so that
 * budgets of 10^5 to 10^6 steps take seconds, not hours. The two ends are
 * always evaluated by a direct sum.
 *
 * @param schedule The learning-rate schedule.
 * @param options The curvature range and budget.
 * @returns The contraction, its logarithm and the worst curvature.
 * @throws {RangeError} If `mu <= 0`, `L < mu`, `totalSteps < 1`, or a rate
 * is negative or not finite.
 * @throws {TypeError} If an option is not a number.
 *
 * @example A constant rate 1 / L is worst at the smallest curvature
 * ```ts
 * import { constant } from "../mod.ts";
 * import { worstCaseAnalysis } from "./contraction.ts";
 *
 * const worst = worstCaseAnalysis(constant({ lr: 0.1 }), {
 *   mu: 1,
 *   L: 10,
 *   totalSteps: 20,
 * });
 * if (worst.curvature !== 1) throw new Error("expected the smallest curvature");
 * if (Math.abs(worst.contraction - 0.9 ** 20) > 1e-15) throw new Error("bad");
 * ```
 */
export function worstCaseAnalysis(
  schedule: Schedule,
  options: ContractionOptions,
): WorstCase {
  const action = "compute worst-case contraction";
  requireOptions(action, options);
  const { mu, L } = options;
  requirePositive(action, "mu", mu);
  requirePositive(action, "L", L);
  requireOrdered(action, "mu", mu, "L", L);
  const totalSteps = resolveTotalSteps(action, schedule, options.totalSteps);
  const rates = sampleRates(action, schedule, totalSteps);

  let best = logFactor(rates, mu);
  let curvature = mu;
  const atTop = logFactor(rates, L);
  if (atTop > best) {
    best = atTop;
    curvature = L;
  }
  if (L === mu) return result(best, curvature);

  const { roots, counts } = distinctRoots(rates);
  const potential = new LogPotential(roots, counts);
  // Each gap (roots[k], roots[k + 1]) that meets (mu, L) holds one peak.
  let guess = 0.5;
  for (let k = 0; k + 1 < roots.length; k++) {
    const left = roots[k];
    const right = roots[k + 1];
    if (right <= mu) continue;
    if (left >= L) break;
    const peak = peakBetween(
      potential,
      left,
      right,
      Math.max(left, mu),
      Math.min(right, L),
      guess,
    );
    if (peak === undefined) continue;
    guess = (peak - left) / (right - left);
    const value = potential.value;
    if (value > best) {
      best = value;
      curvature = peak;
    }
  }
  return result(best, curvature);
}

function result(logContraction: number, curvature: number): WorstCase {
  return { contraction: Math.exp(logContraction), logContraction, curvature };
}

/**
 * The worst-case contraction over `[mu, L]` of gradient descent with the
 * given schedule on a quadratic: the factor by which the distance to the
 * minimiser shrinks after `totalSteps` steps, in the worst direction.
 *
 * ```text
 * result = max_{μ <= λ <= L} |Π_{t=0}^{T-1} (1 - η_t λ)|
 * ```
 * with `η_t = schedule(t)`, `μ = mu`, `T = totalSteps`. See
 * {@linkcode worstCaseAnalysis} for the method and the worst curvature.
 *
 * @param schedule The learning-rate schedule.
 * @param options The curvature range and budget.
 * @returns The contraction, `>= 0`; 0 only when it underflows.
 * @throws {RangeError} If `mu <= 0`, `L < mu`, `totalSteps < 1`, or a rate
 * is negative or not finite.
 * @throws {TypeError} If an option is not a number.
 *
 * @example The Chebyshev steps reach the closed-form optimum
 * ```ts
 * import { chebyshev } from "../mod.ts";
 * import {
 *   chebyshevContraction,
 *   worstCaseContraction,
 * } from "./contraction.ts";
 *
 * const range = { mu: 1, L: 100, totalSteps: 30 };
 * const reached = worstCaseContraction(chebyshev(range), range);
 * const optimum = chebyshevContraction(range);
 * if (Math.abs(reached / optimum - 1) > 1e-9) throw new Error("not optimal");
 * ```
 */
export function worstCaseContraction(
  schedule: Schedule,
  options: ContractionOptions,
): number {
  return worstCaseAnalysis(schedule, options).contraction;
}

/** Options of {@linkcode spectrumContraction}. */
export interface SpectrumContractionOptions {
  /** The Hessian eigenvalues λ_i >= 0, at least one. */
  eigenvalues: ArrayLike<number>;
  /**
   * Step budget T: steps `0 .. T - 1` are applied.
   * @default {schedule.totalSteps}
   */
  totalSteps?: number;
}

/**
 * The worst contraction of gradient descent over a discrete spectrum: the
 * largest factor by which any eigen-direction's error is multiplied.
 *
 * ```text
 * result = max_i |Π_{t=0}^{T-1} (1 - η_t λ_i)|
 * ```
 * with `η_t = schedule(t)` and `λ_i = eigenvalues[i]`, summed in log space
 * (one pass over the rates per eigenvalue).
 *
 * @param schedule The learning-rate schedule.
 * @param options The eigenvalues and budget.
 * @returns The contraction, its logarithm and the eigenvalue attaining it.
 * @throws {RangeError} If `eigenvalues` is empty or holds a negative or
 * non-finite value, `totalSteps < 1`, or a rate is negative or not finite.
 *
 * @example Rate 1/2 removes the error along λ = 2 in one step
 * ```ts
 * import { constant } from "../mod.ts";
 * import { spectrumContraction } from "./contraction.ts";
 *
 * const worst = spectrumContraction(constant({ lr: 0.5 }), {
 *   eigenvalues: [2, 1],
 *   totalSteps: 3,
 * });
 * if (worst.curvature !== 1) throw new Error("expected curvature 1");
 * if (Math.abs(worst.contraction - 0.125) > 1e-15) throw new Error("not 1/8");
 * ```
 */
export function spectrumContraction(
  schedule: Schedule,
  options: SpectrumContractionOptions,
): WorstCase {
  const action = "compute spectrum contraction";
  requireOptions(action, options);
  const eigenvalues = readSpectrum(action, "eigenvalues", options.eigenvalues);
  const totalSteps = resolveTotalSteps(action, schedule, options.totalSteps);
  const rates = sampleRates(action, schedule, totalSteps);
  let best = -Infinity;
  let curvature = eigenvalues[0];
  for (const lambda of eigenvalues) {
    const value = logFactor(rates, lambda);
    if (value > best) {
      best = value;
      curvature = lambda;
    }
  }
  return result(best, curvature);
}

/** Options of {@linkcode chebyshevContraction}. */
export interface ChebyshevContractionOptions {
  /** Smallest curvature μ > 0. */
  mu: number;
  /** Largest curvature L >= μ. */
  L: number;
  /** Step budget T >= 1. */
  totalSteps: number;
}

/**
 * Natural logarithm of {@linkcode chebyshevContraction}; `-Infinity` when
 * `mu === L`.
 *
 * @param options The curvature range and budget.
 * @returns `log(1 / T_T((κ + 1) / (κ - 1)))`.
 * @throws {RangeError} If `mu <= 0`, `L < mu` or `totalSteps < 1`.
 *
 * @example Ten thousand digits of decay stay representable
 * ```ts
 * import { chebyshevLogContraction } from "./contraction.ts";
 *
 * const log = chebyshevLogContraction({ mu: 1, L: 4, totalSteps: 1e5 });
 * // q = (√κ - 1) / (√κ + 1) = 1/3, so the log is about T log(1/3) + log 2.
 * const expected = 1e5 * Math.log(1 / 3) + Math.log(2);
 * if (Math.abs(log - expected) > 1e-6) throw new Error("bad log");
 * ```
 */
export function chebyshevLogContraction(
  options: ChebyshevContractionOptions,
): number {
  const action = "compute chebyshev contraction";
  requireOptions(action, options);
  const { mu, L, totalSteps } = options;
  requirePositive(action, "mu", mu);
  requirePositive(action, "L", L);
  requireOrdered(action, "mu", mu, "L", L);
  requireInteger(action, "totalSteps", totalSteps, 1);
  if (L === mu) return -Infinity;
  const kappa = L / mu;
  // acosh((κ + 1) / (κ - 1)) = log((√κ + 1) / (√κ - 1)), written with
  // √κ - 1 = (κ - 1) / (√κ + 1) to keep digits when κ is close to 1.
  const root = Math.sqrt(kappa);
  const rate = Math.log1p((2 * (root + 1)) / (kappa - 1));
  // log cosh(y) = y + log1p(exp(-2y)) - log 2, finite for every y >= 0.
  const y = totalSteps * rate;
  return Math.log(2) - y - Math.log1p(Math.exp(-2 * y));
}

/**
 * The smallest worst-case contraction any schedule of `totalSteps` steps can
 * reach on quadratics with curvatures in `[mu, L]`, reached by the
 * `chebyshev` schedule.
 *
 * ```text
 * κ      = L / μ
 * result = 1 / T_T((κ + 1) / (κ - 1))
 *        = 2 q^T / (1 + q^(2T)),   q = (√κ - 1) / (√κ + 1)
 * ```
 * with `T_T` the Chebyshev polynomial of the first kind of degree
 * `T = totalSteps`. Computed through `cosh` and `acosh` in log space, so it is
 * finite (possibly 0 by underflow) for every valid input, including
 * `T = 10^6`, `κ = 10^8`. It is 0 when `mu === L` (one step of `1 / L` is
 * exact).
 *
 * @param options The curvature range and budget.
 * @returns The optimal worst-case contraction in `[0, 1)`.
 * @throws {RangeError} If `mu <= 0`, `L < mu` or `totalSteps < 1`.
 * @throws {TypeError} If an option is not a number.
 * @see Nemirovski & Yudin (1983); Young, "On Richardson's method for solving
 * linear systems with positive definite matrices", J. Math. Phys. 32 (1953).
 *
 * @example One step: the best rate 2 / (μ + L) gives (κ - 1) / (κ + 1)
 * ```ts
 * import { chebyshevContraction } from "./contraction.ts";
 *
 * const one = chebyshevContraction({ mu: 1, L: 9, totalSteps: 1 });
 * if (Math.abs(one - 0.8) > 1e-15) throw new Error("expected 8 / 10");
 * ```
 */
export function chebyshevContraction(
  options: ChebyshevContractionOptions,
): number {
  return Math.exp(chebyshevLogContraction(options));
}
