import {
  requireChoice,
  requireInRange,
  requireInteger,
  requireOptions,
  requirePositive,
} from "../_validate.ts";
import { defineSchedule, type Schedule } from "../schedule.ts";

/** Options of {@linkcode oneCycle}. */
export interface OneCycleOptions {
  /** The peak rate, reached at the end of the first phase. */
  maxLr: number;
  /** Step budget; the last step is `totalSteps - 1`. */
  totalSteps: number;
  /** Fraction of the budget spent rising to `maxLr`, in (0, 1). @default {0.3} */
  pctStart?: number;
  /** `maxLr / divFactor` is the rate at step 0. @default {25} */
  divFactor?: number;
  /** The final rate is the initial rate divided by this. @default {1e4} */
  finalDivFactor?: number;
  /** Shape of every phase. @default {"cos"} */
  annealStrategy?: "cos" | "linear";
  /** Add a phase back down to the initial rate before the final one. @default {false} */
  threePhase?: boolean;
}

/**
 * The one-cycle policy, PyTorch's `OneCycleLR` with every option.
 *
 * ```text
 * initial = maxLr / divFactor,  final = initial / finalDivFactor
 * phase ends (in steps), with a = pctStart * T:
 *   two phases:   a - 1 (initial -> maxLr), T - 1 (maxLr -> final)
 *   three phases: a - 1 (initial -> maxLr), 2a - 2 (maxLr -> initial),
 *                 T - 1 (initial -> final)
 * inside a phase from step s to step e, with q = (t - s) / (e - s):
 *   cos:    lr = end + (start - end) * (1 + cos(π q)) / 2
 *   linear: lr = start + (end - start) * q
 * ```
 * Step 0 gives `initial`, step `a - 1` gives `maxLr` (when it is an integer),
 * step `T - 1` gives `final`, and every later step gives `final` too.
 *
 * @param options The schedule's options.
 * @returns The schedule, named `oneCycle`.
 * @throws {RangeError} If `totalSteps` is not an integer >= 2, a factor is not
 * positive, `pctStart` lies outside (0, 1), or a phase would be empty.
 * @throws {TypeError} If `annealStrategy` is neither "cos" nor "linear".
 * @see Smith and Topin, "Super-Convergence", {@link https://arxiv.org/abs/1708.07120}
 *
 * @example
 * ```ts
 * import { oneCycle } from "./one_cycle.ts";
 *
 * const lr = oneCycle({ maxLr: 1, totalSteps: 101, pctStart: 0.5 });
 * if (Math.abs(lr(0) - 0.04) > 1e-15) throw new Error("wrong start");
 * ```
 */
export function oneCycle(options: OneCycleOptions): Schedule {
  const action = "create oneCycle schedule";
  requireOptions(action, options);
  const {
    maxLr,
    totalSteps,
    pctStart = 0.3,
    divFactor = 25,
    finalDivFactor = 1e4,
    annealStrategy = "cos",
    threePhase = false,
  } = options;
  requirePositive(action, "maxLr", maxLr);
  requireInteger(action, "totalSteps", totalSteps, 2);
  requireInRange(action, "pctStart", pctStart, {
    low: 0,
    high: 1,
    lowOpen: true,
    highOpen: true,
  });
  requirePositive(action, "divFactor", divFactor);
  requirePositive(action, "finalDivFactor", finalDivFactor);
  requireChoice(action, "annealStrategy", annealStrategy, ["cos", "linear"]);
  if (typeof threePhase !== "boolean") {
    throw new TypeError(
      `Cannot ${action} as threePhase must be a boolean: current value is ${threePhase}`,
    );
  }

  const initialLr = maxLr / divFactor;
  const finalLr = initialLr / finalDivFactor;
  const rise = pctStart * totalSteps - 1;
  const phases = threePhase
    ? [
      { end: rise, from: initialLr, to: maxLr },
      { end: 2 * pctStart * totalSteps - 2, from: maxLr, to: initialLr },
      { end: totalSteps - 1, from: initialLr, to: finalLr },
    ]
    : [
      { end: rise, from: initialLr, to: maxLr },
      { end: totalSteps - 1, from: maxLr, to: finalLr },
    ];
  let previousEnd = 0;
  for (const phase of phases) {
    if (!(phase.end > previousEnd)) {
      throw new RangeError(
        `Cannot ${action} as every phase must span at least one step: current values are pctStart=${pctStart}, totalSteps=${totalSteps}, threePhase=${threePhase}`,
      );
    }
    previousEnd = phase.end;
  }
  const anneal = annealStrategy === "cos"
    ? (from: number, to: number, q: number) =>
      to + (from - to) * (1 + Math.cos(Math.PI * q)) / 2
    : (from: number, to: number, q: number) => from + (to - from) * q;
  const last = totalSteps - 1;

  return defineSchedule("oneCycle", totalSteps, (step) => {
    const t = step < last ? step : last;
    let start = 0;
    for (const phase of phases) {
      if (t <= phase.end || phase === phases[phases.length - 1]) {
        return anneal(phase.from, phase.to, (t - start) / (phase.end - start));
      }
      start = phase.end;
    }
    return finalLr;
  });
}
