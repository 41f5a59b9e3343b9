import {
  requireInteger,
  requireNonNegative,
  requireOptions,
  requireOrdered,
} from "../_validate.ts";
import { defineSchedule, type Schedule } from "../schedule.ts";
import {
  checkDecayOptions,
  type DecayOptions,
  decaySchedule,
} from "./_decay.ts";

/** Options of {@linkcode cosine}. */
export type CosineOptions = DecayOptions;

/**
 * Cosine annealing from `peakLr` to `minLr` over the budget.
 *
 * ```text
 * t < W:   lr(t) = warmupInitLr + (peakLr - warmupInitLr) * t / W
 * t >= W:  lr(t) = minLr + (peakLr - minLr) * (1 + cos(π (t - W) / (T - W))) / 2
 * ```
 * Without warmup this equals PyTorch's `CosineAnnealingLR(T_max=totalSteps,
 * eta_min=minLr)` for every step up to `T`; from `T` on the rate stays at
 * `minLr` (PyTorch's closed form would rise again).
 *
 * @param options The schedule's options.
 * @returns The schedule, named `cosine`.
 * @throws {RangeError} If `totalSteps < 1` or not an integer,
 * `warmupSteps >= totalSteps`, `minLr > peakLr`, or a rate is negative or not
 * finite.
 * @see Loshchilov and Hutter, "SGDR: Stochastic Gradient Descent with Warm
 * Restarts", {@link https://arxiv.org/abs/1608.03983}
 *
 * @example
 * ```ts
 * import { cosine } from "./cosine.ts";
 *
 * const lr = cosine({ peakLr: 1, totalSteps: 100 });
 * if (Math.abs(lr(50) - 0.5) > 1e-15) throw new Error("midpoint is not half");
 * ```
 */
export function cosine(options: CosineOptions): Schedule {
  const shape = checkDecayOptions("cosine", options);
  return decaySchedule(
    "cosine",
    shape,
    (p) => (1 + Math.cos(Math.PI * p)) / 2,
  );
}

/** Options of {@linkcode cosineRestarts}. */
export interface CosineRestartsOptions {
  /** Rate at the start of every cycle. */
  peakLr: number;
  /** Rate approached at the end of every cycle. @default {0} */
  minLr?: number;
  /** Length in steps of the first cycle (PyTorch's `T_0`). */
  firstCycle: number;
  /** Each cycle is this many times longer than the last (PyTorch's `T_mult`), an integer >= 1. @default {1} */
  cycleMult?: number;
}

/**
 * Cosine annealing with warm restarts (SGDR), unbounded.
 *
 * ```text
 * cycle i has length T_i = firstCycle * cycleMult^i and starts at the sum of
 * the earlier lengths; with s the step inside the current cycle:
 * lr(t) = minLr + (peakLr - minLr) * (1 + cos(π s / T_i)) / 2
 * ```
 * This equals PyTorch's `CosineAnnealingWarmRestarts(T_0=firstCycle,
 * T_mult=cycleMult, eta_min=minLr)` stepped once per step. Step 0 and the
 * first step of every cycle give `peakLr`; the rate never reaches `minLr`
 * exactly. `totalSteps` is `undefined`.
 *
 * @param options The schedule's options.
 * @returns The schedule, named `cosineRestarts`.
 * @throws {RangeError} If `firstCycle` or `cycleMult` is not an integer >= 1,
 * `minLr > peakLr`, or a rate is negative or not finite.
 *
 * @example
 * ```ts
 * import { cosineRestarts } from "./cosine.ts";
 *
 * const lr = cosineRestarts({ peakLr: 1, firstCycle: 10, cycleMult: 2 });
 * if (lr(10) !== 1 || lr(30) !== 1) throw new Error("no restart");
 * ```
 */
export function cosineRestarts(options: CosineRestartsOptions): Schedule {
  const action = "create cosineRestarts schedule";
  requireOptions(action, options);
  const { peakLr, minLr = 0, firstCycle, cycleMult = 1 } = options;
  requireNonNegative(action, "peakLr", peakLr);
  requireNonNegative(action, "minLr", minLr);
  requireOrdered(action, "minLr", minLr, "peakLr", peakLr);
  requireInteger(action, "firstCycle", firstCycle, 1);
  requireInteger(action, "cycleMult", cycleMult, 1);
  const span = peakLr - minLr;
  return defineSchedule("cosineRestarts", undefined, (t) => {
    let start = 0;
    let length = firstCycle;
    if (cycleMult === 1) {
      start = t - (t % firstCycle);
    } else {
      // Walk the geometric cycles: a handful even for very large steps.
      while (t >= start + length) {
        start += length;
        length *= cycleMult;
      }
    }
    return minLr + span * (1 + Math.cos(Math.PI * (t - start) / length)) / 2;
  });
}
