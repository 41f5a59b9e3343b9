import {
  requireInteger,
  requireNonNegative,
  requireOptions,
} from "../_validate.ts";
import { defineSchedule, type Schedule } from "../schedule.ts";

/** Options of {@linkcode constant}. */
export interface ConstantOptions {
  /** The rate at every step. */
  lr: number;
  /** An optional budget, recorded on the schedule; the rate does not change. */
  totalSteps?: number;
}

/**
 * The same rate at every step.
 *
 * ```text
 * lr(t) = lr
 * ```
 *
 * @param options The schedule's options.
 * @returns The schedule, named `constant`.
 * @throws {RangeError} If `lr` is negative or not finite, or `totalSteps` is
 * given and is not an integer >= 1.
 *
 * @example
 * ```ts
 * import { constant } from "./constant.ts";
 *
 * if (constant({ lr: 0.1 })(1e6) !== 0.1) throw new Error("not constant");
 * ```
 */
export function constant(options: ConstantOptions): Schedule {
  const action = "create constant schedule";
  requireOptions(action, options);
  const { lr, totalSteps } = options;
  requireNonNegative(action, "lr", lr);
  if (totalSteps !== undefined) {
    requireInteger(action, "totalSteps", totalSteps, 1);
  }
  return defineSchedule("constant", totalSteps, () => lr);
}

/** Options of {@linkcode inverseSqrt}. */
export interface InverseSqrtOptions {
  /** Rate at the end of warmup. */
  peakLr: number;
  /** Steps of linear warmup from 0, an integer >= 0. */
  warmupSteps: number;
  /**
   * Time scale τ of the decay.
   * @default {warmupSteps, or 10000 when warmupSteps is 0}
   */
  timescale?: number;
}

/**
 * Linear warmup, then decay with the inverse square root of the step, as
 * `get_inverse_sqrt_schedule` of Hugging Face transformers. Unbounded.
 *
 * ```text
 * t < W:   lr = peakLr * t / W
 * t >= W:  lr = peakLr * sqrt(τ / (t - W + τ))
 * ```
 * Step `W` gives `peakLr`.
 *
 * @param options The schedule's options.
 * @returns The schedule, named `inverseSqrt`.
 * @throws {RangeError} If `warmupSteps` is not an integer >= 0, `timescale`
 * is not an integer >= 1, or `peakLr` is negative or not finite.
 * @see Vaswani et al., "Attention Is All You Need", {@link https://arxiv.org/abs/1706.03762}
 *
 * @example
 * ```ts
 * import { inverseSqrt } from "./constant.ts";
 *
 * const lr = inverseSqrt({ peakLr: 1, warmupSteps: 100 });
 * if (lr(100) !== 1 || lr(400) !== 0.5) throw new Error("wrong decay");
 * ```
 */
export function inverseSqrt(options: InverseSqrtOptions): Schedule {
  const action = "create inverseSqrt schedule";
  requireOptions(action, options);
  const { peakLr, warmupSteps } = options;
  requireNonNegative(action, "peakLr", peakLr);
  requireInteger(action, "warmupSteps", warmupSteps, 0);
  const timescale = options.timescale ??
    (warmupSteps > 0 ? warmupSteps : 10_000);
  requireInteger(action, "timescale", timescale, 1);
  return defineSchedule("inverseSqrt", undefined, (t) => {
    if (t < warmupSteps) return peakLr * t / warmupSteps;
    return peakLr * Math.sqrt(timescale / (t - warmupSteps + timescale));
  });
}
