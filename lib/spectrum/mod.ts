/**
 * Spectrum estimation for real models: Hessian-vector products of a loss
 * written with `@tensorflow/tfjs-core`, power iteration, Lanczos and
 * stochastic Lanczos quadrature. Not imported by `lib/mod.ts`, since it
 * depends on tfjs; its density output feeds `recommendPhi` and
 * `predictQuadraticLoss` from there.
 *
 * @example The spectrum of an explicit operator
 * ```ts
 * import { spectralDensity, topEigenvalues } from "./mod.ts";
 *
 * const diagonal = Float64Array.from([0.5, 1, 2, 8]);
 * const operator = {
 *   dimension: 4,
 *   apply: (v: Float64Array) => v.map((x, i) => diagonal[i] * x),
 * };
 * const { eigenvalues } = await topEigenvalues(operator, { count: 1 });
 * if (Math.abs(eigenvalues[0] - 8) > 1e-9) throw new Error("expected 8");
 * const density = await spectralDensity(operator, { probes: 2, steps: 4 });
 * if (density.dimension !== 4) throw new Error("expected dimension 4");
 * ```
 *
 * @module
 */

export {
  hessianOperator,
  type HessianOperatorOptions,
  type TensorLoss,
} from "./hessian.ts";
export {
  type LinearOperator,
  powerIteration,
  type PowerIterationOptions,
  type PowerIterationResult,
  type SpectralDensity,
  spectralDensity,
  type SpectralDensityOptions,
  topEigenvalues,
  type TopEigenvaluesOptions,
} from "./lanczos.ts";
