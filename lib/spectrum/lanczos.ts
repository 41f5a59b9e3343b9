/**
 * Eigenvalue estimators for symmetric operators known only through
 * matrix-vector products (such as Hessian-vector products): power
 * iteration, Lanczos for the top eigenvalues, and stochastic Lanczos
 * quadrature for the spectral density. Every estimator is seeded and takes a
 * bound on the number of products.
 *
 * @module
 */

import {
  requireInteger,
  requireOptions,
  requirePositive,
} from "../_validate.ts";
import { dot, norm, subtractScaled, tridiagonalEigen } from "./_dense.ts";
import { rademacherUnit, uniformStream } from "./_random.ts";

/** A symmetric linear operator on vectors of length `dimension`. */
export interface LinearOperator {
  /** The length of the vectors. */
  readonly dimension: number;
  /** The product of the operator with `vector` (which it must not modify). */
  apply(vector: Float64Array): Float64Array | Promise<Float64Array>;
}

/** Options of {@linkcode powerIteration}. */
export interface PowerIterationOptions {
  /** Most operator products to spend. @default {100} */
  maxProducts?: number;
  /** Relative change of the estimate at which to stop. @default {1e-6} */
  tolerance?: number;
  /** Seed of the random start vector. @default {0} */
  seed?: number;
}

/** The result of {@linkcode powerIteration}. */
export interface PowerIterationResult {
  /** The Rayleigh quotient `vᵀ A v` of the final unit vector. */
  eigenvalue: number;
  /** The final unit vector. */
  vector: Float64Array;
  /** Operator products spent. */
  products: number;
  /** Whether the relative change fell below `tolerance`. */
  converged: boolean;
}

/**
 * The eigenvalue of largest magnitude by power iteration.
 *
 * ```text
 * v_{k+1} = A v_k / ||A v_k||,   estimate_k = v_kᵀ A v_k
 * ```
 * stopping when `|estimate_k - estimate_{k-1}| <= tolerance |estimate_k|`
 * or after `maxProducts` products. Convergence is geometric in the ratio of
 * the two largest magnitudes.
 *
 * Note: for an indefinite Hessian the largest magnitude may be negative.
 *
 * @param operator The symmetric operator.
 * @param options Cost bound, tolerance and seed.
 * @returns The estimate, its vector, and the cost spent.
 * @throws {RangeError} If `maxProducts < 1`, `tolerance <= 0` or the seed is
 * not an integer.
 *
 * @example A diagonal matrix
 * ```ts
 * import { powerIteration } from "./lanczos.ts";
 *
 * const diagonal = Float64Array.from([1, 5, 2]);
 * const operator = {
 *   dimension: 3,
 *   apply: (v: Float64Array) => v.map((x, i) => diagonal[i] * x),
 * };
 * const { eigenvalue } = await powerIteration(operator, { maxProducts: 200 });
 * if (Math.abs(eigenvalue - 5) > 1e-6) throw new Error("expected 5");
 * ```
 */
export async function powerIteration(
  operator: LinearOperator,
  options: PowerIterationOptions = {},
): Promise<PowerIterationResult> {
  const action = "run power iteration";
  requireOptions(action, options);
  const { maxProducts = 100, tolerance = 1e-6, seed = 0 } = options;
  requireInteger(action, "maxProducts", maxProducts, 1);
  requirePositive(action, "tolerance", tolerance);
  requireInteger(action, "seed", seed, 0);
  requireDimension(action, operator);
  let vector = rademacherUnit(operator.dimension, uniformStream(seed));
  let eigenvalue = 0;
  let products = 0;
  while (products < maxProducts) {
    const image = await operator.apply(vector);
    products += 1;
    const estimate = dot(vector, image);
    const size = norm(image);
    const change = Math.abs(estimate - eigenvalue);
    eigenvalue = estimate;
    if (size === 0) return { eigenvalue: 0, vector, products, converged: true };
    vector = image.map((x) => x / size);
    if (products > 1 && change <= tolerance * Math.abs(estimate)) {
      return { eigenvalue, vector, products, converged: true };
    }
  }
  return { eigenvalue, vector, products, converged: false };
}

/** The tridiagonal matrix of a Lanczos run. */
interface LanczosRun {
  alpha: number[];
  beta: number[];
}

/**
 * `steps` Lanczos steps from the unit vector `start`, with full
 * re-orthogonalisation (so Ritz values do not repeat). Stops early on an
 * invariant subspace.
 */
async function lanczosRun(
  operator: LinearOperator,
  start: Float64Array,
  steps: number,
): Promise<LanczosRun> {
  const basis: Float64Array[] = [start];
  const alpha: number[] = [];
  const beta: number[] = [];
  for (let k = 0; k < steps; k++) {
    const w = Float64Array.from(await operator.apply(basis[k]));
    const a = dot(w, basis[k]);
    alpha.push(a);
    subtractScaled(w, a, basis[k]);
    if (k > 0) subtractScaled(w, beta[k - 1], basis[k - 1]);
    // Two passes of Gram-Schmidt against the whole basis.
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) subtractScaled(w, dot(w, q), q);
    }
    const b = norm(w);
    if (k + 1 === steps || b <= 1e-12 * Math.abs(a) || b === 0) break;
    beta.push(b);
    basis.push(w.map((x) => x / b));
  }
  return { alpha, beta };
}

/** Options of {@linkcode topEigenvalues}. */
export interface TopEigenvaluesOptions {
  /** How many of the largest eigenvalues to return. @default {1} */
  count?: number;
  /**
   * Lanczos steps, one operator product each (capped at the dimension).
   * @default {max(20, 3 * count)}
   */
  maxProducts?: number;
  /** Seed of the random start vector. @default {0} */
  seed?: number;
}

/**
 * The largest eigenvalues by the Lanczos method: the top Ritz values of the
 * Krylov space `span{v, A v, ..., A^(m-1) v}` with `m = maxProducts`.
 *
 * ```text
 * A Q_m = Q_m T_m + β_m q_{m+1} e_mᵀ,   T_m tridiagonal (α on the
 * diagonal, β off it);  estimates = top eigenvalues of T_m
 * ```
 * Ritz values approach the extreme eigenvalues from inside the spectrum,
 * and are exact when `m` reaches the dimension.
 *
 * @param operator The symmetric operator.
 * @param options How many eigenvalues, cost bound and seed.
 * @returns The estimates, in descending order, and the products spent.
 * @throws {RangeError} If `count < 1`, `maxProducts < count` or the seed
 * is not an integer.
 * @see Lanczos, J. Res. Natl. Bur. Stand. 45 (1950); Golub & Van Loan,
 * "Matrix Computations", §10.1.
 *
 * @example
 * ```ts
 * import { topEigenvalues } from "./lanczos.ts";
 *
 * const diagonal = Float64Array.from([1, 5, 2, 4]);
 * const operator = {
 *   dimension: 4,
 *   apply: (v: Float64Array) => v.map((x, i) => diagonal[i] * x),
 * };
 * const { eigenvalues } = await topEigenvalues(operator, { count: 2 });
 * if (Math.abs(eigenvalues[1] - 4) > 1e-9) throw new Error("expected 4");
 * ```
 */
export async function topEigenvalues(
  operator: LinearOperator,
  options: TopEigenvaluesOptions = {},
): Promise<{ eigenvalues: Float64Array; products: number }> {
  const action = "estimate top eigenvalues";
  requireOptions(action, options);
  const { count = 1, seed = 0 } = options;
  requireInteger(action, "count", count, 1);
  const maxProducts = options.maxProducts ?? Math.max(20, 3 * count);
  requireInteger(action, "maxProducts", maxProducts, count);
  requireInteger(action, "seed", seed, 0);
  requireDimension(action, operator);
  const steps = Math.min(maxProducts, operator.dimension);
  const start = rademacherUnit(operator.dimension, uniformStream(seed));
  const { alpha, beta } = await lanczosRun(operator, start, steps);
  const { values } = tridiagonalEigen(alpha, beta);
  return { eigenvalues: values.slice(0, count), products: alpha.length };
}

/** Options of {@linkcode spectralDensity}. */
export interface SpectralDensityOptions {
  /** Random probe vectors averaged over. @default {4} */
  probes?: number;
  /** Lanczos steps per probe (capped at the dimension). @default {30} */
  steps?: number;
  /** The most operator products to spend, `probes * steps` at most. */
  maxProducts?: number;
  /** Seed of the probe vectors. @default {0} */
  seed?: number;
}

/** A spectral density as weighted nodes. */
export interface SpectralDensity {
  /** Quadrature nodes (Ritz values), all probes together, descending. */
  eigenvalues: Float64Array;
  /** Their weights, summing to 1. */
  weights: Float64Array;
  /** The operator's dimension; `weights * dimension` counts eigenvalues. */
  dimension: number;
  /** Operator products spent. */
  products: number;
}

/**
 * The spectral density by stochastic Lanczos quadrature: for each random
 * unit probe v, the Gauss quadrature of the spectral measure of v.
 *
 * ```text
 * (1/n) Σ_i g(λ_i) = E_v[vᵀ g(A) v] ≈ (1/P) Σ_probes Σ_k τ_k² g(θ_k)
 * ```
 * with `θ_k` the eigenvalues of the probe's Lanczos matrix `T_m` and `τ_k`
 * the first components of its unit eigenvectors; `P = probes`, `m = steps`.
 * The result feeds `predictQuadraticLoss` and `recommendPhi` directly
 * (eigenvalues and weights), after dropping non-positive nodes.
 *
 * @param operator The symmetric operator.
 * @param options Probes, steps, cost bound and seed.
 * @returns Nodes and weights of the density estimate.
 * @throws {RangeError} If `probes < 1`, `steps < 1`, the seed is not an
 * integer, or `probes * steps` exceeds `maxProducts`.
 * @see Lin, Saad, Yang, "Approximating spectral densities of large
 * matrices", SIAM Review 58(1) (2016); Ghorbani, Krishnan, Xiao, "An
 * investigation into neural net optimization via Hessian eigenvalue
 * density", ICML 2019.
 *
 * @example The weights of a diagonal operator
 * ```ts
 * import { spectralDensity } from "./lanczos.ts";
 *
 * const diagonal = Float64Array.from([1, 1, 3, 3]);
 * const operator = {
 *   dimension: 4,
 *   apply: (v: Float64Array) => v.map((x, i) => diagonal[i] * x),
 * };
 * const density = await spectralDensity(operator, { probes: 2, steps: 4 });
 * // Rademacher probes put exactly half the weight on each eigenvalue.
 * let atThree = 0;
 * density.eigenvalues.forEach((x, k) => {
 *   if (Math.abs(x - 3) < 1e-9) atThree += density.weights[k];
 * });
 * if (Math.abs(atThree - 0.5) > 1e-9) throw new Error("expected 1/2");
 * ```
 */
export async function spectralDensity(
  operator: LinearOperator,
  options: SpectralDensityOptions = {},
): Promise<SpectralDensity> {
  const action = "estimate spectral density";
  requireOptions(action, options);
  const { probes = 4, steps = 30, seed = 0 } = options;
  requireInteger(action, "probes", probes, 1);
  requireInteger(action, "steps", steps, 1);
  requireInteger(action, "seed", seed, 0);
  requireDimension(action, operator);
  const maxProducts = options.maxProducts ?? probes * steps;
  requireInteger(action, "maxProducts", maxProducts, 1);
  if (probes * steps > maxProducts) {
    throw new RangeError(
      `Cannot ${action} as probes * steps must not exceed maxProducts (${maxProducts}): current value is ${
        probes * steps
      }`,
    );
  }
  const next = uniformStream(seed);
  const nodes: number[] = [];
  const weights: number[] = [];
  let products = 0;
  for (let probe = 0; probe < probes; probe++) {
    const start = rademacherUnit(operator.dimension, next);
    const run = await lanczosRun(
      operator,
      start,
      Math.min(steps, operator.dimension),
    );
    products += run.alpha.length;
    const { values, firstComponents } = tridiagonalEigen(run.alpha, run.beta);
    values.forEach((value, k) => {
      nodes.push(value);
      weights.push(firstComponents[k] ** 2 / probes);
    });
  }
  const order = nodes.map((_, k) => k).sort((i, j) => nodes[j] - nodes[i]);
  return {
    eigenvalues: Float64Array.from(order, (k) => nodes[k]),
    weights: Float64Array.from(order, (k) => weights[k]),
    dimension: operator.dimension,
    products,
  };
}

function requireDimension(action: string, operator: LinearOperator): void {
  if (typeof operator?.apply !== "function") {
    throw new TypeError(
      `Cannot ${action} as operator.apply must be a function: current value is ${
        String(operator?.apply)
      }`,
    );
  }
  requireInteger(action, "operator.dimension", operator.dimension, 1);
}
