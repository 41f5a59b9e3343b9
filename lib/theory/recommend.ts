/**
 * The φ guideline: the UBA shape that minimises the predicted final loss of
 * the quadratic model, and the comparison of any schedule with the Chebyshev
 * optimum.
 *
 * @module
 */

import {
  requireInteger,
  requireNonNegative,
  requireOptions,
  requireOrdered,
  requirePositive,
} from "../_validate.ts";
import type { Schedule } from "../schedule.ts";
import { chebyshev } from "../schedules/chebyshev.ts";
import { uba } from "../schedules/uba.ts";
import { chebyshevContraction, worstCaseContraction } from "./contraction.ts";
import { minLrForPhi } from "./phi.ts";
import {
  predictQuadraticLoss,
  readWeightedSpectrum,
  sumOverSpectrum,
} from "./quadratic_loss.ts";
import { sampleRates } from "./_rates.ts";

/** How many log-spaced curvatures stand for a range `[mu, L]`. */
const RANGE_POINTS = 32;

/** Options of {@linkcode recommendPhi}: one curvature source and a budget. */
export interface RecommendPhiOptions {
  /** A condition number κ >= 1: curvatures `[1, κ]`. */
  kappa?: number;
  /** Smallest curvature μ > 0 of a range (with `L`). */
  mu?: number;
  /** Largest curvature L >= μ of a range (with `mu`). */
  L?: number;
  /** A measured spectrum: Hessian eigenvalues λ_i >= 0, one positive. */
  eigenvalues?: ArrayLike<number>;
  /** Weights of the measured eigenvalues. @default {all 1} */
  weights?: ArrayLike<number>;
  /** Step budget T. */
  totalSteps: number;
  /** Gradient-noise variance σ² per eigen-direction. @default {0} */
  noise?: number;
  /** Second moment of the initial error per direction. @default {1} */
  initialError?: number;
  /** Peak rate. @default {1 / (largest curvature)} */
  peakLr?: number;
  /**
   * Floor rate, or `"consistent"` for `2 * peakLr / phi` capped at
   * `peakLr` (the condition-number reading, see `minLrForPhi`).
   * @default {0}
   */
  minLr?: number | "consistent";
  /** The φ interval searched. @default {[0.1, max(1000, 4κ)]} */
  phiRange?: readonly [number, number];
}

/** The result of {@linkcode recommendPhi}. */
export interface PhiRecommendation {
  /** The φ with the smallest predicted loss. */
  phi: number;
  /** The predicted loss at `phi`. */
  predictedLoss: number;
  /** The predicted loss at `phi = 2` (cosine annealing), for comparison. */
  cosineLoss: number;
  /** The predicted loss on the search grid, for plots. */
  curve: { phi: number; loss: number }[];
  /** Whether the best φ is an end of `phiRange`. */
  atBoundary: boolean;
  /** A short explanation of the choice in plain words. */
  explanation: string;
}

const GRID_POINTS = 41;
const REFINE_STEPS = 40;

/**
 * Picks UBA's φ by minimising the predicted final loss of SGD on a quadratic
 * whose curvatures come from a condition number, a range or a measured
 * spectrum.
 *
 * ```text
 * φ* = argmin_{φ in phiRange} E f(x_T; uba(φ))
 * ```
 * where `E f(x_T)` is {@linkcode predictQuadraticLoss} with the given budget,
 * noise and initial error, on the curvatures: `[1, κ]` for `kappa`, `[μ, L]`
 * for a range (both as 32 log-spaced, equally weighted eigenvalues), or the
 * given `eigenvalues` and `weights`. The search is a 41-point grid in `log φ`
 * followed by a golden-section refinement around the best grid point.
 *
 * With no noise a higher peak is always worth keeping, so the smallest φ wins
 * unless the peak is above `1 / L` (where the top directions need a decay to
 * settle) or `minLr` is `"consistent"` (where φ also sets the floor). With
 * noise, decaying earlier (larger φ) trades initial-error progress for noise
 * removal, and the optimum moves with budget and noise.
 *
 * @param options The curvature source, budget and noise.
 * @returns The recommended φ with its predicted loss, the cosine loss and an
 * explanation.
 * @throws {RangeError} If not exactly one curvature source is given, a value
 * is out of range (`kappa < 1`, `mu <= 0`, `L < mu`, empty or negative
 * spectrum, negative `noise`, `totalSteps < 1`), or `phiRange` is not an
 * increasing pair of positive numbers.
 *
 * @example Noise pushes φ up
 * ```ts
 * import { recommendPhi } from "./recommend.ts";
 *
 * const quiet = recommendPhi({ kappa: 100, totalSteps: 2000, noise: 1e-6 });
 * const noisy = recommendPhi({ kappa: 100, totalSteps: 2000, noise: 1e-2 });
 * if (!(noisy.phi > quiet.phi)) throw new Error("expected a larger phi");
 * ```
 */
export function recommendPhi(options: RecommendPhiOptions): PhiRecommendation {
  const action = "recommend phi";
  requireOptions(action, options);
  const { eigenvalues, weights, description } = curvatures(action, options);
  const { totalSteps, noise = 0, initialError = 1, minLr = 0 } = options;
  requireInteger(action, "totalSteps", totalSteps, 1);
  requireNonNegative(action, "noise", noise);
  requireNonNegative(action, "initialError", initialError);
  let top = 0;
  let bottom = Infinity;
  for (const value of eigenvalues) {
    if (value > top) top = value;
    if (value > 0 && value < bottom) bottom = value;
  }
  requirePositive(action, "the largest eigenvalue", top);
  const peakLr = options.peakLr ?? 1 / top;
  requirePositive(action, "peakLr", peakLr);
  if (minLr !== "consistent") {
    requireNonNegative(action, "minLr", minLr);
    requireOrdered(action, "minLr", minLr, "peakLr", peakLr);
  }
  const kappa = top / bottom;
  const [low, high] = options.phiRange ?? [0.1, Math.max(1000, 4 * kappa)];
  requirePositive(action, "phiRange[0]", low);
  requirePositive(action, "phiRange[1]", high);
  requireOrdered(action, "phiRange[0]", low, "phiRange[1]", high);

  const lossAt = (phi: number): number => {
    const floor = minLr === "consistent"
      ? Math.min(peakLr, minLrForPhi({ peakLr, phi }))
      : minLr;
    const schedule = uba({ peakLr, minLr: floor, phi, totalSteps });
    const rates = sampleRates(action, schedule, totalSteps);
    const noiseSteps = rates.map((rate) => rate * rate * noise);
    return sumOverSpectrum(
      rates,
      noiseSteps,
      eigenvalues,
      weights,
      initialError,
    )
      .logLoss;
  };

  // Grid in log φ, then golden-section search between the best point's
  // neighbours (the loss is smooth in log φ; the grid guards against local
  // minima far away).
  const logLow = Math.log(low);
  const logHigh = Math.log(high);
  const curve: { phi: number; loss: number }[] = [];
  let bestIndex = 0;
  let bestLog = Infinity;
  const grid: number[] = [];
  for (let k = 0; k < GRID_POINTS; k++) {
    const x = logLow + ((logHigh - logLow) * k) / (GRID_POINTS - 1);
    grid.push(x);
    const logLoss = lossAt(Math.exp(x));
    curve.push({ phi: Math.exp(x), loss: Math.exp(logLoss) });
    if (logLoss < bestLog) {
      bestLog = logLoss;
      bestIndex = k;
    }
  }
  let a = grid[Math.max(0, bestIndex - 1)];
  let b = grid[Math.min(GRID_POINTS - 1, bestIndex + 1)];
  const ratio = (Math.sqrt(5) - 1) / 2;
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let fc = lossAt(Math.exp(c));
  let fd = lossAt(Math.exp(d));
  for (let step = 0; step < REFINE_STEPS; step++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = lossAt(Math.exp(c));
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = lossAt(Math.exp(d));
    }
  }
  let bestX = grid[bestIndex];
  if (Math.min(fc, fd) < bestLog) {
    bestLog = Math.min(fc, fd);
    bestX = fc < fd ? c : d;
  }
  const phi = Math.exp(bestX);
  const predictedLoss = Math.exp(bestLog);
  const cosineLoss = Math.exp(lossAt(2));
  const atBoundary = bestIndex === 0 || bestIndex === GRID_POINTS - 1;
  return {
    phi,
    predictedLoss,
    cosineLoss,
    curve,
    atBoundary,
    explanation: explain({
      phi,
      predictedLoss,
      cosineLoss,
      atBoundary,
      description,
      totalSteps,
      noise,
    }),
  };
}

function explain(facts: {
  phi: number;
  predictedLoss: number;
  cosineLoss: number;
  atBoundary: boolean;
  description: string;
  totalSteps: number;
  noise: number;
}): string {
  const { phi, predictedLoss, cosineLoss, atBoundary } = facts;
  const shown = phi.toPrecision(3);
  const setting = `${facts.description}, ${facts.totalSteps} steps and ` +
    (facts.noise > 0 ? `noise ${formatNumber(facts.noise)}` : "no noise");
  const gain = cosineLoss > 0 ? 1 - predictedLoss / cosineLoss : 0;
  const comparison = Math.abs(phi - 2) < 0.05 * 2 || gain < 0.01
    ? "about the same as cosine (phi = 2)"
    : `${(100 * gain).toFixed(0)}% below cosine (phi = 2, ${
      formatNumber(cosineLoss)
    })`;
  const direction = phi > 2 && facts.noise === 0
    ? "It decays earlier than cosine: the directions of high curvature need " +
      "the small steps at the end to settle."
    : phi > 2
    ? "It decays earlier than cosine: the noise left at the end costs more " +
      "than the progress a longer stay at the peak would buy."
    : phi < 2 && facts.noise === 0
    ? "It holds the peak longer than cosine: without noise, every step at " +
      "the peak removes more of the initial error."
    : phi < 2
    ? "It holds the peak longer than cosine: the initial error costs more " +
      "than the noise a longer stay at the peak leaves behind."
    : "It is cosine annealing.";
  const boundary = atBoundary
    ? " The best value is at the end of the searched range; widen phiRange " +
      "to look further."
    : "";
  return `phi = ${shown} (effective condition number ${
    (phi / 2).toPrecision(3)
  }) minimises the predicted loss of the quadratic model with ${setting}: ` +
    `${formatNumber(predictedLoss)}, ${comparison}. ${direction}${boundary}`;
}

function formatNumber(value: number): string {
  return value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e4)
    ? value.toExponential(2)
    : value.toPrecision(3);
}

/** Resolves the one curvature source into eigenvalues and weights. */
function curvatures(action: string, options: RecommendPhiOptions): {
  eigenvalues: Float64Array;
  weights: Float64Array;
  description: string;
} {
  const sources = [
    options.kappa !== undefined,
    options.mu !== undefined || options.L !== undefined,
    options.eigenvalues !== undefined,
  ].filter(Boolean).length;
  if (sources !== 1) {
    throw new RangeError(
      `Cannot ${action} as exactly one of kappa, mu and L, or eigenvalues must be given: current count is ${sources}`,
    );
  }
  if (options.eigenvalues !== undefined) {
    const { eigenvalues, weights } = readWeightedSpectrum(action, options);
    return {
      eigenvalues,
      weights,
      description: `a measured spectrum of ${eigenvalues.length} eigenvalues`,
    };
  }
  let mu: number;
  let L: number;
  if (options.kappa !== undefined) {
    requireFiniteAtLeastOne(action, options.kappa);
    mu = 1;
    L = options.kappa;
  } else {
    mu = options.mu as number;
    L = options.L as number;
    requirePositive(action, "mu", mu);
    requirePositive(action, "L", L);
    requireOrdered(action, "mu", mu, "L", L);
  }
  return {
    eigenvalues: logSpaced(mu, L, RANGE_POINTS),
    weights: new Float64Array(RANGE_POINTS).fill(1),
    description: `curvatures from ${mu.toPrecision(3)} to ${
      L.toPrecision(3)
    } (condition number ${(L / mu).toPrecision(3)})`,
  };
}

function requireFiniteAtLeastOne(action: string, kappa: number): void {
  requirePositive(action, "kappa", kappa);
  if (kappa < 1) {
    throw new RangeError(
      `Cannot ${action} as kappa must be at least 1: current value is ${kappa}`,
    );
  }
}

function logSpaced(low: number, high: number, count: number): Float64Array {
  const values = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    values[k] = low * (high / low) ** (k / (count - 1));
  }
  return values;
}

/** Options of {@linkcode compareWithChebyshev}. */
export interface CompareWithChebyshevOptions {
  /** Smallest curvature μ > 0. */
  mu: number;
  /** Largest curvature L >= μ. */
  L: number;
  /** Step budget T. @default {schedule.totalSteps} */
  totalSteps?: number;
  /**
   * Eigenvalues for the loss prediction.
   * @default {32 log-spaced curvatures in [mu, L]}
   */
  eigenvalues?: ArrayLike<number>;
  /** Their weights. @default {all 1} */
  weights?: ArrayLike<number>;
  /** Gradient-noise variance σ². @default {0} */
  noise?: number;
  /** Initial error second moment. @default {1} */
  initialError?: number;
}

/** The result of {@linkcode compareWithChebyshev}. */
export interface ChebyshevComparison {
  /** Worst-case contraction of the schedule over `[mu, L]`. */
  contraction: number;
  /** Worst-case contraction of the `chebyshev` schedule. */
  chebyshevContraction: number;
  /** The closed form `1 / T_T((κ + 1) / (κ - 1))`. */
  optimalContraction: number;
  /** Predicted loss of the schedule. */
  loss: number;
  /** Predicted loss of the `chebyshev` schedule. */
  chebyshevLoss: number;
}

/**
 * A schedule next to the min-max optimal `chebyshev` schedule of the same
 * budget and curvature range: worst-case contractions, the closed-form
 * optimum, and predicted SGD losses.
 *
 * ```text
 * contraction  = max_{μ<=λ<=L} |Π_t (1 - η_t λ)|   (worstCaseContraction)
 * optimum      = 1 / T_T((κ + 1) / (κ - 1))       (chebyshevContraction)
 * loss         = E f(x_T)                          (predictQuadraticLoss)
 * ```
 *
 * @param schedule The schedule to compare.
 * @param options The curvature range, budget and noise model.
 * @returns The five figures.
 * @throws {RangeError} As {@linkcode worstCaseContraction} and
 * {@linkcode predictQuadraticLoss}.
 *
 * @example
 * ```ts
 * import { cosine } from "../mod.ts";
 * import { compareWithChebyshev } from "./recommend.ts";
 *
 * const range = { mu: 1, L: 10, totalSteps: 40 };
 * const result = compareWithChebyshev(cosine({ peakLr: 0.1, totalSteps: 40 }), range);
 * if (!(result.contraction >= result.optimalContraction)) throw new Error();
 * ```
 */
export function compareWithChebyshev(
  schedule: Schedule,
  options: CompareWithChebyshevOptions,
): ChebyshevComparison {
  const action = "compare with chebyshev";
  requireOptions(action, options);
  const { mu, L } = options;
  requirePositive(action, "mu", mu);
  requirePositive(action, "L", L);
  requireOrdered(action, "mu", mu, "L", L);
  const totalSteps = options.totalSteps ?? schedule.totalSteps;
  requireInteger(action, "totalSteps", totalSteps, 1);
  const range = { mu, L, totalSteps };
  const optimal = chebyshev(range);
  const model = {
    eigenvalues: options.eigenvalues ?? logSpaced(mu, L, RANGE_POINTS),
    weights: options.weights,
    totalSteps,
    noise: options.noise,
    initialError: options.initialError,
  };
  return {
    contraction: worstCaseContraction(schedule, range),
    chebyshevContraction: worstCaseContraction(optimal, range),
    optimalContraction: chebyshevContraction(range),
    loss: predictQuadraticLoss(schedule, model).loss,
    chebyshevLoss: predictQuadraticLoss(optimal, model).loss,
  };
}
