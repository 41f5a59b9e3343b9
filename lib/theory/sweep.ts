/**
 * The empirical path to φ: a short sweep of a caller-supplied training proxy.
 *
 * @module
 */

import {
  requireInteger,
  requireOptions,
  requirePositive,
} from "../_validate.ts";

/** A cheap training run: the final loss for a φ and a step budget. */
export type PhiProxy = (phi: number, budget: number) => Promise<number>;

/** Options of {@linkcode sweepPhi}. */
export interface SweepPhiOptions {
  /** Step budget passed to every proxy run. */
  budget: number;
  /** The φ values to try. @default {[0.5, 1, 2, 4, 8, 16, 32]} */
  phis?: readonly number[];
  /** Runs per φ; their losses are averaged. @default {1} */
  repeats?: number;
  /** Called after each run, for progress reporting. */
  onResult?: (result: { phi: number; repeat: number; loss: number }) => void;
}

/** The result of {@linkcode sweepPhi}. */
export interface PhiSweep {
  /** The φ with the smallest mean loss. */
  phi: number;
  /** Its mean loss. */
  loss: number;
  /** Every φ with its losses and their mean (Infinity if one diverged). */
  results: { phi: number; losses: number[]; mean: number }[];
  /** A short explanation in plain words. */
  explanation: string;
}

/**
 * Runs `proxy(phi, budget)` for each φ (in order, `repeats` times) and picks
 * the φ with the smallest mean final loss. A run that returns NaN or
 * Infinity counts as diverged: its φ gets mean Infinity.
 *
 * The cost is `phis.length * repeats` proxy runs, all chosen by the caller.
 *
 * @param proxy The training proxy, e.g. a short run of a small model.
 * @param options Budget, φ values and repeats.
 * @returns The best φ, all results and an explanation.
 * @throws {RangeError} If `budget < 1`, `repeats < 1`, `phis` is empty or
 * holds a non-positive value, or every run diverged.
 *
 * @example A proxy with its minimum at φ = 8
 * ```ts
 * import { sweepPhi } from "./sweep.ts";
 *
 * const proxy = (phi: number) => Promise.resolve(Math.log(phi / 8) ** 2);
 * const { phi } = await sweepPhi(proxy, { budget: 100 });
 * if (phi !== 8) throw new Error("expected 8");
 * ```
 */
export async function sweepPhi(
  proxy: PhiProxy,
  options: SweepPhiOptions,
): Promise<PhiSweep> {
  const action = "sweep phi";
  requireOptions(action, options);
  const { budget, phis = [0.5, 1, 2, 4, 8, 16, 32], repeats = 1 } = options;
  if (typeof proxy !== "function") {
    throw new TypeError(
      `Cannot ${action} as proxy must be a function: current value is ${
        String(proxy)
      }`,
    );
  }
  requireInteger(action, "budget", budget, 1);
  requireInteger(action, "repeats", repeats, 1);
  if (phis.length === 0) {
    throw new RangeError(
      `Cannot ${action} as phis must not be empty: current length is 0`,
    );
  }
  phis.forEach((phi, k) => requirePositive(action, `phis[${k}]`, phi));

  const results: PhiSweep["results"] = [];
  for (const phi of phis) {
    const losses: number[] = [];
    for (let repeat = 0; repeat < repeats; repeat++) {
      const loss = await proxy(phi, budget);
      losses.push(loss);
      options.onResult?.({ phi, repeat, loss });
    }
    const diverged = losses.some((loss) => !Number.isFinite(loss));
    const mean = diverged
      ? Infinity
      : losses.reduce((sum, loss) => sum + loss, 0) / losses.length;
    results.push({ phi, losses, mean });
  }
  let best = results[0];
  for (const result of results) if (result.mean < best.mean) best = result;
  if (!Number.isFinite(best.mean)) {
    throw new RangeError(
      `Cannot ${action} as at least one phi must give a finite loss: current count is 0 of ${results.length}`,
    );
  }
  const cosine = results.find((result) => result.phi === 2);
  const versus = cosine === undefined || cosine === best
    ? ""
    : `, against ${cosine.mean.toPrecision(4)} for cosine (phi = 2)`;
  const edge = best === results[0] || best === results[results.length - 1]
    ? " It is at an end of the tried values; extend phis to look further."
    : "";
  return {
    phi: best.phi,
    loss: best.mean,
    results,
    explanation: `phi = ${best.phi} gave the smallest mean final loss, ${
      best.mean.toPrecision(4)
    } over ${repeats} run(s) of ${budget} steps${versus}.${edge}`,
  };
}
