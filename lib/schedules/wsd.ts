import { requireChoice, requireInteger } from "../_validate.ts";
import { defineSchedule, type Schedule } from "../schedule.ts";
import { checkDecayOptions, type DecayOptions } from "./_decay.ts";

/** Options of {@linkcode wsd}. */
export interface WsdOptions extends DecayOptions {
  /** Length D of the final decay, an integer >= 1. */
  decaySteps: number;
  /** Shape of the final decay. @default {"linear"} */
  decay?: "linear" | "cosine" | "sqrt";
}

/**
 * Warmup-stable-decay: warm up, hold the peak, then decay over the last
 * `decaySteps` steps.
 *
 * ```text
 * t < W:              lr = warmupInitLr + (peakLr - warmupInitLr) * t / W
 * W <= t < T - D:     lr = peakLr
 * T - D <= t:         q = (t - (T - D)) / D
 *                     lr = minLr + (peakLr - minLr) * f(q)
 * f(q) = 1 - q (linear), (1 + cos(π q)) / 2 (cosine), 1 - sqrt(q) (sqrt)
 * ```
 * As MiniCPM's WSD and `get_wsd_schedule` of Hugging Face transformers with
 * `min_lr_ratio = minLr / peakLr` ("sqrt" is their "1-sqrt"). Step `T` and
 * later give `minLr`.
 *
 * @param options The schedule's options.
 * @returns The schedule, named `wsd(<decay>)`.
 * @throws {RangeError} If `decaySteps` is not an integer >= 1,
 * `warmupSteps + decaySteps > totalSteps`, or a common option is invalid.
 * @throws {TypeError} If `decay` is not one of the three shapes.
 * @see Hu et al., "MiniCPM", {@link https://arxiv.org/abs/2404.06395}
 *
 * @example
 * ```ts
 * import { wsd } from "./wsd.ts";
 *
 * const lr = wsd({ peakLr: 1, totalSteps: 100, decaySteps: 20 });
 * if (lr(79) !== 1 || lr(90) !== 0.5) throw new Error("wrong shape");
 * ```
 */
export function wsd(options: WsdOptions): Schedule {
  const shape = checkDecayOptions("wsd", options);
  const action = "create wsd schedule";
  const { decaySteps, decay = "linear" } = options;
  requireInteger(action, "decaySteps", decaySteps, 1);
  requireChoice(action, "decay", decay, ["linear", "cosine", "sqrt"]);
  const { peakLr, minLr, totalSteps, warmupSteps, warmupInitLr } = shape;
  if (warmupSteps + decaySteps > totalSteps) {
    throw new RangeError(
      `Cannot ${action} as warmupSteps + decaySteps must not exceed totalSteps (${totalSteps}): current values are warmupSteps=${warmupSteps}, decaySteps=${decaySteps}`,
    );
  }
  const factor = decay === "linear"
    ? (q: number) => 1 - q
    : decay === "cosine"
    ? (q: number) => (1 + Math.cos(Math.PI * q)) / 2
    : (q: number) => 1 - Math.sqrt(q);
  const decayStart = totalSteps - decaySteps;
  const span = peakLr - minLr;
  const warmupSlope = warmupSteps > 0
    ? (peakLr - warmupInitLr) / warmupSteps
    : 0;
  return defineSchedule(`wsd(${decay})`, totalSteps, (t) => {
    if (t < warmupSteps) return warmupInitLr + warmupSlope * t;
    if (t < decayStart) return peakLr;
    return minLr + span * factor((t - decayStart) / decaySteps);
  });
}
