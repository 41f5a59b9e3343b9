import { requirePositive } from "../_validate.ts";
import type { Schedule } from "../schedule.ts";
import {
  checkDecayOptions,
  type DecayOptions,
  decaySchedule,
} from "./_decay.ts";

/** Options of {@linkcode uba}. */
export interface UbaOptions extends DecayOptions {
  /**
   * The single shape parameter φ > 0. `phi = 2` is cosine annealing; smaller
   * values hold the rate near the peak longer, larger values decay earlier.
   * On a quadratic with condition number κ the min-max optimal choice is
   * `phi = 2κ` (see {@linkcode phiFromKappa}).
   */
  phi: number;
}

/**
 * The Unified Budget-Aware (UBA) schedule of Tang et al. (2025).
 *
 * ```text
 * t < W:   lr(t) = warmupInitLr + (peakLr - warmupInitLr) * t / W
 * t >= W:  p     = (t - W) / (T - W)
 *          u     = 1 + cos(π p)
 *          lr(t) = minLr + (peakLr - minLr) * 2u / (2φ + (2 - φ) u)
 * ```
 * where `T = totalSteps`, `W = warmupSteps` and `φ = phi`. The denominator
 * lies in `[2φ, 4]` or `[4, 2φ]`, so it is positive for every `φ > 0`.
 *
 * Semantics: step 0 gives `warmupInitLr` (or `peakLr` without warmup); step
 * `W` gives `peakLr`; step `T` and every later step give `minLr`. After warmup
 * the rate never increases.
 *
 * Note: this is the closed form used by public implementations of UBA; it
 * could not be checked line by line against the paper's own equations.
 *
 * @param options The schedule's options.
 * @returns The schedule, named `uba(phi=<phi>)`.
 * @throws {RangeError} If `phi <= 0`, `totalSteps < 1` or not an integer,
 * `warmupSteps >= totalSteps`, `minLr > peakLr`, or a rate is negative or not
 * finite.
 * @throws {TypeError} If an option is not a number.
 * @see Tang, Dong, Zeng, Zhou, Lin, "Stepsize anything: A unified learning
 * rate schedule for budgeted-iteration training",
 * {@link https://arxiv.org/abs/2505.24452}
 *
 * @example Decay from 0.1 to 0.001 in 1000 steps
 * ```ts
 * import { uba } from "./uba.ts";
 *
 * const lr = uba({ peakLr: 0.1, minLr: 0.001, phi: 5, totalSteps: 1000 });
 * if (lr(0) !== 0.1 || lr(1000) !== 0.001) throw new Error("wrong ends");
 * ```
 */
export function uba(options: UbaOptions): Schedule {
  const shape = checkDecayOptions("uba", options);
  const { phi } = options;
  requirePositive("create uba schedule", "phi", phi);
  // 2φ and (2 - φ) are the two coefficients of the denominator.
  const twoPhi = 2 * phi;
  const slope = 2 - phi;
  return decaySchedule(`uba(phi=${phi})`, shape, (p) => {
    const u = 1 + Math.cos(Math.PI * p);
    return (2 * u) / (twoPhi + slope * u);
  });
}
