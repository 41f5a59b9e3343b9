import type { Schedule } from "../schedule.ts";
import {
  checkDecayOptions,
  type DecayOptions,
  decaySchedule,
} from "./_decay.ts";

/** Options of {@linkcode rex}. */
export type RexOptions = DecayOptions;

/**
 * REX, the reflected-exponential profile of Chen, Wolfe and Kyrillidis.
 *
 * ```text
 * t < W:   lr = warmupInitLr + (peakLr - warmupInitLr) * t / W
 * t >= W:  p  = (t - W) / (T - W)
 *          lr = minLr + (peakLr - minLr) * (1 - p) / (1/2 + (1 - p) / 2)
 * ```
 * Step `W` gives `peakLr`; step `T` and later give `minLr`.
 *
 * @param options The schedule's options.
 * @returns The schedule, named `rex`.
 * @throws {RangeError} If `totalSteps < 1` or not an integer,
 * `warmupSteps >= totalSteps`, `minLr > peakLr`, or a rate is negative or not
 * finite.
 * @see Chen, Wolfe, Kyrillidis, "REX: Revisiting Budgeted Training with an
 * Improved Schedule", {@link https://arxiv.org/abs/2107.04197}
 *
 * @example
 * ```ts
 * import { rex } from "./rex.ts";
 *
 * const lr = rex({ peakLr: 1, totalSteps: 2 });
 * if (Math.abs(lr(1) - 2 / 3) > 1e-15) throw new Error("wrong midpoint");
 * ```
 */
export function rex(options: RexOptions): Schedule {
  const shape = checkDecayOptions("rex", options);
  return decaySchedule("rex", shape, (p) => (1 - p) / (0.5 + (1 - p) / 2));
}
