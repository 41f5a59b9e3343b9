// The shape shared by the budgeted decaying families (uba, cosine, linear,
// rex): an optional linear warmup to the peak, then a decay from the peak to
// the floor driven by a factor of the decay progress.

import {
  requireInteger,
  requireNonNegative,
  requireOptions,
  requireOrdered,
} from "../_validate.ts";
import { defineSchedule, type Schedule } from "../schedule.ts";

/** Options common to every warmup-then-decay family. */
export interface DecayOptions {
  /** Rate at the end of warmup, where the decay starts. */
  peakLr: number;
  /** Rate at `totalSteps` and beyond. @default {0} */
  minLr?: number;
  /** Step budget T: the decay ends here. */
  totalSteps: number;
  /** Steps of linear warmup W before the decay. @default {0} */
  warmupSteps?: number;
  /** Rate at step 0 when warming up. @default {0} */
  warmupInitLr?: number;
}

/** Validated decay options with every default filled in. */
export interface DecayShape {
  peakLr: number;
  minLr: number;
  totalSteps: number;
  warmupSteps: number;
  warmupInitLr: number;
}

/** Checks the common options and fills in their defaults. */
export function checkDecayOptions(
  family: string,
  options: DecayOptions,
): DecayShape {
  const action = `create ${family} schedule`;
  requireOptions(action, options);
  const {
    peakLr,
    minLr = 0,
    totalSteps,
    warmupSteps = 0,
    warmupInitLr = 0,
  } = options;
  requireNonNegative(action, "peakLr", peakLr);
  requireNonNegative(action, "minLr", minLr);
  requireOrdered(action, "minLr", minLr, "peakLr", peakLr);
  requireInteger(action, "totalSteps", totalSteps, 1);
  requireInteger(action, "warmupSteps", warmupSteps, 0);
  if (warmupSteps >= totalSteps) {
    throw new RangeError(
      `Cannot ${action} as warmupSteps must be less than totalSteps (${totalSteps}): current value is ${warmupSteps}`,
    );
  }
  requireNonNegative(action, "warmupInitLr", warmupInitLr);
  return { peakLr, minLr, totalSteps, warmupSteps, warmupInitLr };
}

/**
 * Builds the schedule `minLr + (peakLr - minLr) * factor(p)` after warmup,
 * with `p = (t - W) / (T - W)`; `factor` must map [0, 1] onto [0, 1] with
 * `factor(0) = 1` and `factor(1) = 0`.
 */
export function decaySchedule(
  name: string,
  shape: DecayShape,
  factor: (progress: number) => number,
): Schedule {
  const { peakLr, minLr, totalSteps, warmupSteps, warmupInitLr } = shape;
  const span = peakLr - minLr;
  const decaySteps = totalSteps - warmupSteps;
  const warmupSlope = warmupSteps > 0
    ? (peakLr - warmupInitLr) / warmupSteps
    : 0;
  return defineSchedule(name, totalSteps, (t) => {
    if (t < warmupSteps) return warmupInitLr + warmupSlope * t;
    return minLr + span * factor((t - warmupSteps) / decaySteps);
  });
}
