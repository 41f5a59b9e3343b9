/**
 * Budget-aware learning-rate schedules: UBA (Unified Budget-Aware, Tang et
 * al. 2025) and the schedules people compare it with, as pure functions of
 * the optimizer step.
 *
 * This module and everything it imports have no dependencies and need no
 * permissions, so any Deno project can import it by URL.
 *
 * @example Compare UBA with cosine annealing on a 1000-step budget
 * ```ts
 * import { cosine, sample, uba } from "./mod.ts";
 *
 * const budget = { peakLr: 0.1, minLr: 0.001, totalSteps: 1000 };
 * const early = uba({ ...budget, phi: 0.5 }); // holds the peak longer
 * const late = uba({ ...budget, phi: 8 }); // decays early
 * const reference = cosine(budget);
 *
 * const [a, b, c] = [early, late, reference].map((s) => sample(s, 1001));
 * if (!(a[500] > c[500] && c[500] > b[500])) throw new Error("unexpected order");
 * ```
 *
 * @module
 */

export { defineSchedule, type Schedule } from "./schedule.ts";
export { uba, type UbaOptions } from "./schedules/uba.ts";
export {
  cosine,
  type CosineOptions,
  cosineRestarts,
  type CosineRestartsOptions,
} from "./schedules/cosine.ts";
export {
  linear,
  type LinearOptions,
  polynomial,
  type PolynomialOptions,
} from "./schedules/linear.ts";
export {
  exponential,
  type ExponentialOptions,
  multiStep,
  type MultiStepOptions,
  stepDecay,
  type StepDecayOptions,
} from "./schedules/step.ts";
export { oneCycle, type OneCycleOptions } from "./schedules/one_cycle.ts";
export { wsd, type WsdOptions } from "./schedules/wsd.ts";
export { rex, type RexOptions } from "./schedules/rex.ts";
export {
  constant,
  type ConstantOptions,
  inverseSqrt,
  type InverseSqrtOptions,
} from "./schedules/constant.ts";
export { chebyshev, type ChebyshevOptions } from "./schedules/chebyshev.ts";
export {
  join,
  sample,
  stages,
  type WarmupOptions,
  withWarmup,
} from "./schedules/combinators.ts";
export type { DecayOptions } from "./schedules/_decay.ts";

// Theory: convergence bounds and the phi guideline
export {
  chebyshevContraction,
  type ChebyshevContractionOptions,
  chebyshevLogContraction,
  type ContractionOptions,
  spectrumContraction,
  type SpectrumContractionOptions,
  type WorstCase,
  worstCaseAnalysis,
  worstCaseContraction,
} from "./theory/contraction.ts";
export {
  predictQuadraticLoss,
  type QuadraticLoss,
  type QuadraticLossOptions,
} from "./theory/quadratic_loss.ts";
export {
  convexBound,
  type ConvexBoundOptions,
  type NonconvexBound,
  nonconvexBound,
  type NonconvexBoundOptions,
  type StronglyConvexBound,
  stronglyConvexBound,
  type StronglyConvexBoundOptions,
} from "./theory/bounds.ts";
export {
  kappaFromPhi,
  minLrForPhi,
  type MinLrForPhiOptions,
  phiFromKappa,
  ubaForCurvature,
  type UbaForCurvatureOptions,
} from "./theory/phi.ts";
export {
  type ChebyshevComparison,
  compareWithChebyshev,
  type CompareWithChebyshevOptions,
  type PhiRecommendation,
  recommendPhi,
  type RecommendPhiOptions,
} from "./theory/recommend.ts";
export {
  type PhiProxy,
  type PhiSweep,
  sweepPhi,
  type SweepPhiOptions,
} from "./theory/sweep.ts";
