import {
  requireInteger,
  requireOptions,
  requireOrdered,
  requirePositive,
} from "../_validate.ts";
import { defineSchedule, type Schedule } from "../schedule.ts";

/** Options of {@linkcode chebyshev}. */
export interface ChebyshevOptions {
  /** Smallest curvature μ > 0 (Hessian eigenvalue) of the quadratic. */
  mu: number;
  /** Largest curvature L >= μ. */
  L: number;
  /** Step budget T. */
  totalSteps: number;
}

/**
 * The min-max optimal gradient-descent step sizes for a quadratic whose
 * Hessian eigenvalues lie in `[mu, L]`: the reciprocals of the Chebyshev
 * nodes, largest first.
 *
 * ```text
 * θ_t      = π (2t + 1) / (2T),  t = 0 .. T - 1
 * 1 / η_t  = (L + μ) / 2 - (L - μ) / 2 * cos(θ_t)
 * ```
 * Over all step sequences of length `T`, these minimise
 * `max over λ in [μ, L] of |Π_t (1 - η_t λ)|`, which then equals
 * `1 / T_T((κ + 1) / (κ - 1))` with `κ = L / μ` and `T_T` the Chebyshev
 * polynomial of the first kind. Step 0 gives the largest step (just below
 * `1 / μ`), step `T - 1` the smallest (just above `1 / L`), and every later
 * step repeats step `T - 1`. On a quadratic the order of the steps does not
 * change the final error, though large early steps can blow up intermediate
 * iterates in floating point.
 *
 * With `phi = 2κ`, `peakLr = 1/μ` and `minLr = 1/L`, {@linkcode uba} on a
 * budget of `2T` steps takes the same values at the odd steps `2t + 1`.
 *
 * @param options The schedule's options.
 * @returns The schedule, named `chebyshev(kappa=<κ>)`.
 * @throws {RangeError} If `mu <= 0`, `L < mu`, or `totalSteps` is not an
 * integer >= 1.
 *
 * @example
 * ```ts
 * import { chebyshev } from "./chebyshev.ts";
 *
 * const lr = chebyshev({ mu: 1, L: 1, totalSteps: 5 });
 * if (lr(0) !== 1 || lr(4) !== 1) throw new Error("κ = 1 needs 1/L steps");
 * ```
 */
export function chebyshev(options: ChebyshevOptions): Schedule {
  const action = "create chebyshev schedule";
  requireOptions(action, options);
  const { mu, L, totalSteps } = options;
  requirePositive(action, "mu", mu);
  requirePositive(action, "L", L);
  requireOrdered(action, "mu", mu, "L", L);
  requireInteger(action, "totalSteps", totalSteps, 1);
  // Midpoint and half-width of the curvature interval.
  const center = (L + mu) / 2;
  const radius = (L - mu) / 2;
  const last = totalSteps - 1;
  return defineSchedule(`chebyshev(kappa=${L / mu})`, totalSteps, (step) => {
    const t = step < last ? step : last;
    const theta = Math.PI * (2 * t + 1) / (2 * totalSteps);
    return 1 / (center - radius * Math.cos(theta));
  });
}
