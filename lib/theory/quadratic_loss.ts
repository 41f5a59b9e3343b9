/**
 * The exact expected loss of SGD with additive noise on a quadratic, split
 * into the part left from the initial error and the part injected by noise.
 *
 * @module
 */

import { requireNonNegative, requireOptions } from "../_validate.ts";
import type { Schedule } from "../schedule.ts";
import { resolveTotalSteps, sampleRates } from "./_rates.ts";

/** Options of {@linkcode predictQuadraticLoss}. */
export interface QuadraticLossOptions {
  /** Hessian eigenvalues λ_i >= 0, at least one. */
  eigenvalues: ArrayLike<number>;
  /**
   * Weights w_i >= 0 of the eigen-directions in the loss, one per
   * eigenvalue (multiplicities, or spectral-density weights).
   * @default {all 1}
   */
  weights?: ArrayLike<number>;
  /**
   * Step budget T: steps `0 .. T - 1` are applied.
   * @default {schedule.totalSteps}
   */
  totalSteps?: number;
  /** Variance σ² of the gradient noise per eigen-direction. @default {0} */
  noise?: number;
  /** Second moment `E x_i(0)²` of the initial error. @default {1} */
  initialError?: number;
}

/** The result of {@linkcode predictQuadraticLoss}. */
export interface QuadraticLoss {
  /** `E f(x_T) = bias + variance`. */
  loss: number;
  /** The part of the loss left from the initial error. */
  bias: number;
  /** The part of the loss injected by the gradient noise. */
  variance: number;
  /** Natural logarithm of `loss`, finite even where `loss` overflows. */
  logLoss: number;
}

// Above this size the running products are rescaled into an exponent so
// that diverging schedules keep a finite logarithm.
const RESCALE_ABOVE = 1e200;
const LOG_RESCALE = Math.log(RESCALE_ABOVE);

/**
 * The expected loss after `totalSteps` steps of SGD on a quadratic, exactly,
 * from the per-eigenvalue second-moment recursion.
 *
 * ```text
 * f(x)       = 1/2 Σ_i w_i λ_i x_i²
 * x_{t+1}    = x_t - η_t (λ x_t + ξ_t),   E ξ = 0,   E ξ_i² = σ²
 * m_i(t+1)   = (1 - η_t λ_i)² m_i(t) + η_t² σ²,   m_i(0) = e0
 * bias       = 1/2 Σ_i w_i λ_i e0 Π_t (1 - η_t λ_i)²
 * variance   = 1/2 Σ_i w_i λ_i σ² Σ_t η_t² Π_{s>t} (1 - η_s λ_i)²
 * loss       = E f(x_T) = bias + variance
 * ```
 * with `η_t = schedule(t)`, `σ² = noise`, `e0 = initialError`, `λ_i =
 * eigenvalues[i]`, `w_i = weights[i]`. Plain gradient descent is `noise = 0`.
 * The cost is one pass over the `T` rates per eigenvalue.
 *
 * Note: when a schedule diverges (some `|1 - η_t λ| > 1` for long enough) the
 * loss can exceed the largest double; `loss` is then `Infinity` while
 * `logLoss` stays finite.
 *
 * @param schedule The learning-rate schedule.
 * @param options The spectrum, budget, noise and initial error.
 * @returns The expected loss and its bias and variance parts.
 * @throws {RangeError} If `eigenvalues` is empty, an eigenvalue, weight,
 * `noise` or `initialError` is negative or not finite, `weights` has another
 * length, `totalSteps < 1`, or a rate is negative or not finite.
 * @throws {TypeError} If an option has the wrong type.
 *
 * @example One step of rate 1 / λ solves the noiseless problem
 * ```ts
 * import { constant } from "../mod.ts";
 * import { predictQuadraticLoss } from "./quadratic_loss.ts";
 *
 * const { loss, variance } = predictQuadraticLoss(constant({ lr: 0.5 }), {
 *   eigenvalues: [2],
 *   totalSteps: 1,
 *   noise: 0.1,
 * });
 * // bias is 0; variance is 1/2 · 2 · 0.1 · 0.5² = 0.025
 * if (Math.abs(loss - 0.025) > 1e-15 || variance !== loss) throw new Error();
 * ```
 */
export function predictQuadraticLoss(
  schedule: Schedule,
  options: QuadraticLossOptions,
): QuadraticLoss {
  const action = "predict quadratic loss";
  requireOptions(action, options);
  const { noise = 0, initialError = 1 } = options;
  requireNonNegative(action, "noise", noise);
  requireNonNegative(action, "initialError", initialError);
  const { eigenvalues, weights } = readWeightedSpectrum(action, options);
  const totalSteps = resolveTotalSteps(action, schedule, options.totalSteps);
  const rates = sampleRates(action, schedule, totalSteps);
  const noiseSteps = rates.map((rate) => rate * rate * noise);
  return sumOverSpectrum(rates, noiseSteps, eigenvalues, weights, initialError);
}

/** The recursion of {@linkcode predictQuadraticLoss}, inputs validated. */
export function sumOverSpectrum(
  rates: Float64Array,
  noiseSteps: Float64Array,
  eigenvalues: Float64Array,
  weights: Float64Array,
  initialError: number,
): QuadraticLoss {
  // Terms are kept as value * exp(scale) per eigenvalue; the totals are
  // accumulated as a log-sum-exp so that overflow only shows in `loss`.
  let logBias = -Infinity;
  let logVariance = -Infinity;
  const steps = rates.length;
  for (let i = 0; i < eigenvalues.length; i++) {
    const lambda = eigenvalues[i];
    const factor = 0.5 * weights[i] * lambda;
    if (factor === 0) continue;
    let product = 1;
    let moment = 0;
    let scale = 0;
    for (let t = 0; t < steps; t++) {
      const a = 1 - rates[t] * lambda;
      const a2 = a * a;
      product *= a2;
      moment = moment * a2 + noiseSteps[t];
      if (product > RESCALE_ABOVE || moment > RESCALE_ABOVE) {
        product /= RESCALE_ABOVE;
        moment /= RESCALE_ABOVE;
        scale += LOG_RESCALE;
        // Noise added from here on is relatively negligible only if the
        // scale stays; keep adding it in the rescaled unit.
        for (let s = t + 1; s < steps; s++) {
          const b = 1 - rates[s] * lambda;
          const b2 = b * b;
          product *= b2;
          moment = moment * b2 + noiseSteps[s] * Math.exp(-scale);
          if (product > RESCALE_ABOVE || moment > RESCALE_ABOVE) {
            product /= RESCALE_ABOVE;
            moment /= RESCALE_ABOVE;
            scale += LOG_RESCALE;
          }
        }
        break;
      }
    }
    const logFactor = Math.log(factor) + scale;
    logBias = logAdd(logBias, logFactor + Math.log(initialError * product));
    logVariance = logAdd(logVariance, logFactor + Math.log(moment));
  }
  const logLoss = logAdd(logBias, logVariance);
  const bias = Math.exp(logBias);
  const variance = Math.exp(logVariance);
  return { loss: bias + variance, bias, variance, logLoss };
}

/** `log(exp(a) + exp(b))` without overflow. */
function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const high = Math.max(a, b);
  return high + Math.log1p(Math.exp(Math.min(a, b) - high));
}

/**
 * Reads `eigenvalues` and their `weights` (all 1 when absent): non-empty
 * lists of finite, non-negative numbers of the same length.
 */
export function readWeightedSpectrum(
  action: string,
  options: {
    eigenvalues?: ArrayLike<number>;
    weights?: ArrayLike<number>;
  },
): { eigenvalues: Float64Array; weights: Float64Array } {
  const eigenvalues = readSpectrum(action, "eigenvalues", options.eigenvalues);
  const weights = options.weights === undefined
    ? new Float64Array(eigenvalues.length).fill(1)
    : readSpectrum(action, "weights", options.weights);
  if (weights.length !== eigenvalues.length) {
    throw new RangeError(
      `Cannot ${action} as weights must have one entry per eigenvalue (${eigenvalues.length}): current length is ${weights.length}`,
    );
  }
  return { eigenvalues, weights };
}

/** Copies a non-empty list of finite, non-negative numbers. */
export function readSpectrum(
  action: string,
  option: string,
  values: ArrayLike<number> | undefined,
): Float64Array {
  if (
    values === null || typeof values !== "object" ||
    typeof values.length !== "number"
  ) {
    throw new TypeError(
      `Cannot ${action} as ${option} must be an array of numbers: current value is ${
        String(values)
      }`,
    );
  }
  if (values.length === 0) {
    throw new RangeError(
      `Cannot ${action} as ${option} must not be empty: current length is 0`,
    );
  }
  const copy = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    requireNonNegative(action, `${option}[${i}]`, values[i]);
    copy[i] = values[i];
  }
  return copy;
}
