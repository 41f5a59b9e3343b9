// Shared input handling of the theory calculators: the step budget and the
// schedule's rates sampled once into a Float64Array.

import { requireInteger } from "../_validate.ts";
import type { Schedule } from "../schedule.ts";

/** Resolves the budget from the option or, failing that, the schedule. */
export function resolveTotalSteps(
  action: string,
  schedule: Schedule,
  totalSteps: number | undefined,
): number {
  if (typeof schedule !== "function") {
    throw new TypeError(
      `Cannot ${action} as schedule must be a function: current value is ${
        String(schedule)
      }`,
    );
  }
  const steps = totalSteps ?? schedule.totalSteps;
  if (steps === undefined) {
    throw new RangeError(
      `Cannot ${action} as totalSteps must be given for a schedule without a budget: current value is undefined`,
    );
  }
  requireInteger(action, "totalSteps", steps, 1);
  return steps;
}

/**
 * Samples `schedule` at steps `0 .. totalSteps - 1` and checks that every
 * rate is finite and non-negative.
 */
export function sampleRates(
  action: string,
  schedule: Schedule,
  totalSteps: number,
): Float64Array {
  const rates = new Float64Array(totalSteps);
  for (let t = 0; t < totalSteps; t++) {
    const rate = schedule(t);
    if (!(Number.isFinite(rate) && rate >= 0)) {
      throw new RangeError(
        `Cannot ${action} as schedule(${t}) must be finite and non-negative: current value is ${rate}`,
      );
    }
    rates[t] = rate;
  }
  return rates;
}
