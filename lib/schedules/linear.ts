import {
  requireInteger,
  requireNonNegative,
  requireOptions,
  requirePositive,
} from "../_validate.ts";
import { defineSchedule, type Schedule } from "../schedule.ts";
import {
  checkDecayOptions,
  type DecayOptions,
  decaySchedule,
} from "./_decay.ts";

/** Options of {@linkcode linear}. */
export type LinearOptions = DecayOptions;

/**
 * A straight line from `peakLr` to `minLr` over the decay phase.
 *
 * ```text
 * t < W:   lr(t) = warmupInitLr + (peakLr - warmupInitLr) * t / W
 * t >= W:  lr(t) = minLr + (peakLr - minLr) * (1 - (t - W) / (T - W))
 * ```
 * Step `W` gives `peakLr`; step `T` and later give `minLr`.
 *
 * @param options The schedule's options.
 * @returns The schedule, named `linear`.
 * @throws {RangeError} If `totalSteps < 1` or not an integer,
 * `warmupSteps >= totalSteps`, `minLr > peakLr`, or a rate is negative or not
 * finite.
 *
 * @example
 * ```ts
 * import { linear } from "./linear.ts";
 *
 * const lr = linear({ peakLr: 1, minLr: 0.5, totalSteps: 10 });
 * if (lr(5) !== 0.75) throw new Error("not a straight line");
 * ```
 */
export function linear(options: LinearOptions): Schedule {
  const shape = checkDecayOptions("linear", options);
  return decaySchedule("linear", shape, (p) => 1 - p);
}

/** Options of {@linkcode polynomial}. */
export interface PolynomialOptions {
  /** Rate at step 0. */
  peakLr: number;
  /** Step at which the rate reaches zero (PyTorch's `total_iters`). */
  totalSteps: number;
  /** Exponent of the decay, > 0. @default {1} */
  power?: number;
}

/**
 * Polynomial decay to zero, PyTorch's `PolynomialLR(total_iters=totalSteps,
 * power=power)`.
 *
 * ```text
 * lr(t) = peakLr * (1 - min(t, T) / T)^power
 * ```
 * Step 0 gives `peakLr`; step `T` and later give 0.
 *
 * @param options The schedule's options.
 * @returns The schedule, named `polynomial(power=<power>)`.
 * @throws {RangeError} If `totalSteps < 1` or not an integer, `power <= 0`,
 * or `peakLr` is negative or not finite.
 *
 * @example
 * ```ts
 * import { polynomial } from "./linear.ts";
 *
 * const lr = polynomial({ peakLr: 1, totalSteps: 4, power: 2 });
 * if (lr(2) !== 0.25) throw new Error("not quadratic");
 * ```
 */
export function polynomial(options: PolynomialOptions): Schedule {
  const action = "create polynomial schedule";
  requireOptions(action, options);
  const { peakLr, totalSteps, power = 1 } = options;
  requireNonNegative(action, "peakLr", peakLr);
  requireInteger(action, "totalSteps", totalSteps, 1);
  requirePositive(action, "power", power);
  return defineSchedule(
    `polynomial(power=${power})`,
    totalSteps,
    (t) => peakLr * (1 - t / totalSteps) ** power,
  );
}
