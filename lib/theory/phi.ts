/**
 * The reading of UBA's φ as a condition number, from the min-max optimality
 * of Chebyshev step sizes on quadratics.
 *
 * On curvatures in `[μ, L]` the optimal steps `1 / η_t = (L + μ)/2 - (L -
 * μ)/2 cos θ_t`, normalised to `[0, 1]`, are the UBA factor with `φ = 2κ`,
 * `κ = L / μ`, and they run from `η_max = 1 / μ` to `η_min = 1 / L`, so
 * `η_max / η_min = κ = φ / 2`.
 *
 * @module
 */

import {
  requireInteger,
  requireOptions,
  requireOrdered,
  requirePositive,
} from "../_validate.ts";

/**
 * The φ whose UBA shape is the min-max optimal (Chebyshev) decay for the
 * condition number κ.
 *
 * ```text
 * φ = 2κ
 * ```
 *
 * @param kappa The condition number κ = L / μ (any κ > 0 is mapped).
 * @returns `2 * kappa`.
 * @throws {RangeError} If `kappa <= 0` or not finite.
 *
 * @example Cosine annealing is the κ = 1 case
 * ```ts
 * import { phiFromKappa } from "./phi.ts";
 *
 * if (phiFromKappa(1) !== 2) throw new Error("phi = 2 is cosine");
 * ```
 */
export function phiFromKappa(kappa: number): number {
  requirePositive("convert kappa to phi", "kappa", kappa);
  return 2 * kappa;
}

/**
 * The condition number κ that a UBA φ is min-max optimal for.
 *
 * ```text
 * κ = φ / 2
 * ```
 *
 * @param phi The UBA shape parameter φ > 0.
 * @returns `phi / 2`.
 * @throws {RangeError} If `phi <= 0` or not finite.
 *
 * @example
 * ```ts
 * import { kappaFromPhi } from "./phi.ts";
 *
 * if (kappaFromPhi(200) !== 100) throw new Error("expected 100");
 * ```
 */
export function kappaFromPhi(phi: number): number {
  requirePositive("convert phi to kappa", "phi", phi);
  return phi / 2;
}

/** Options of {@linkcode minLrForPhi}. */
export interface MinLrForPhiOptions {
  /** The peak rate η_max > 0. */
  peakLr: number;
  /** The UBA shape parameter φ > 0. */
  phi: number;
}

/**
 * The floor rate consistent with φ under the condition-number reading.
 *
 * ```text
 * η_min = η_max / κ = 2 η_max / φ
 * ```
 *
 * @param options The peak rate and φ.
 * @returns `2 * peakLr / phi`; above `peakLr` when `phi < 2`, where the
 * reading has no decaying counterpart.
 * @throws {RangeError} If `peakLr` or `phi` is not positive and finite.
 *
 * @example
 * ```ts
 * import { minLrForPhi } from "./phi.ts";
 *
 * if (minLrForPhi({ peakLr: 0.1, phi: 20 }) !== 0.01) throw new Error();
 * ```
 */
export function minLrForPhi(options: MinLrForPhiOptions): number {
  const action = "compute minLr for phi";
  requireOptions(action, options);
  requirePositive(action, "peakLr", options.peakLr);
  requirePositive(action, "phi", options.phi);
  return (2 * options.peakLr) / options.phi;
}

/** Options of {@linkcode ubaForCurvature}. */
export interface UbaForCurvatureOptions {
  /** Smallest curvature μ > 0. */
  mu: number;
  /** Largest curvature L >= μ. */
  L: number;
  /** Step budget T. */
  totalSteps: number;
}

/**
 * The `uba` options whose rates are the Chebyshev steps for `[mu, L]` up to
 * the half-step offset of the Chebyshev nodes.
 *
 * ```text
 * peakLr = 1 / μ,   minLr = 1 / L,   φ = 2 L / μ
 * ```
 *
 * @param options The curvature range and budget.
 * @returns Options to pass to `uba`.
 * @throws {RangeError} If `mu <= 0`, `L < mu` or `totalSteps < 1`.
 *
 * @example
 * ```ts
 * import { ubaForCurvature } from "./phi.ts";
 *
 * const options = ubaForCurvature({ mu: 1, L: 50, totalSteps: 100 });
 * if (options.phi !== 100 || options.minLr !== 0.02) throw new Error();
 * ```
 */
export function ubaForCurvature(options: UbaForCurvatureOptions): {
  peakLr: number;
  minLr: number;
  phi: number;
  totalSteps: number;
} {
  const action = "compute uba options for curvature";
  requireOptions(action, options);
  const { mu, L, totalSteps } = options;
  requirePositive(action, "mu", mu);
  requirePositive(action, "L", L);
  requireOrdered(action, "mu", mu, "L", L);
  requireInteger(action, "totalSteps", totalSteps, 1);
  return {
    peakLr: 1 / mu,
    minLr: 1 / L,
    phi: phiFromKappa(L / mu),
    totalSteps,
  };
}
