// Fast evaluation of the logarithmic potential of a polynomial with real
// positive roots, and of its first two derivatives:
//
//   S(x)   = Σ_j m_j log|1 - x / r_j| = Σ_j m_j (log|x - r_j| - log r_j)
//   S'(x)  = Σ_j m_j / (x - r_j)
//   S''(x) = -Σ_j m_j / (x - r_j)²
//
// r_j: sorted roots, m_j: their multiplicities. A binary tree over the sorted
// roots stores, per node, the multipole moments b_n = Σ m ((r - c) / ρ)^n / n
// about the node's center c and radius ρ. For |x - c| >= ρ / θ the node's
// contribution is M log|x - c| - Σ_{n<=P} b_n z^n with z = ρ / (x - c),
// whose truncation error is at most M θ^(P+1) / ((P+1)(1-θ)): about 1e-14 M
// for θ = 1/2, P = 40 (the series stops earlier once |z|^n < 1e-17). Other
// nodes are opened; leaves are summed directly. One evaluation costs
// O(P log K) instead of O(K) for K roots. Each node subtracts its own
// Σ m log r, so large logarithms cancel node by node, not in one final sum.

const OPENING = 0.5;
const ORDER = 40;
const LEAF_SIZE = 32;
const NEGLIGIBLE = 1e-17;

/** Treecode over a fixed set of sorted roots. */
export class LogPotential {
  /** S at the last evaluated point. */
  value = 0;
  /** S' at the last evaluated point. */
  slope = 0;
  /** S'' at the last evaluated point. */
  curvature = 0;

  readonly #roots: Float64Array;
  readonly #counts: Float64Array;
  // Node arrays, indexed by node id; the children of node k are left[k] and
  // right[k], both -1 for a leaf. Moments of node k start at k * (ORDER + 1).
  readonly #start: Int32Array;
  readonly #end: Int32Array;
  readonly #center: Float64Array;
  readonly #radius: Float64Array;
  readonly #mass: Float64Array;
  readonly #logRoots: Float64Array;
  readonly #nodeLogRoots: Float64Array;
  readonly #left: Int32Array;
  readonly #right: Int32Array;
  readonly #moments: Float64Array;
  readonly #stack: Int32Array;
  #nodes = 0;

  constructor(roots: Float64Array, counts: Float64Array) {
    this.#roots = roots;
    this.#counts = counts;
    const capacity = 2 * Math.ceil(roots.length / (LEAF_SIZE / 2)) + 2;
    this.#start = new Int32Array(capacity);
    this.#end = new Int32Array(capacity);
    this.#center = new Float64Array(capacity);
    this.#radius = new Float64Array(capacity);
    this.#mass = new Float64Array(capacity);
    this.#logRoots = roots.map((root) => Math.log(root));
    this.#nodeLogRoots = new Float64Array(capacity);
    this.#left = new Int32Array(capacity);
    this.#right = new Int32Array(capacity);
    this.#moments = new Float64Array(capacity * (ORDER + 1));
    this.#stack = new Int32Array(capacity);
    if (roots.length > 0) this.#build(0, roots.length);
  }

  #build(start: number, end: number): number {
    const id = this.#nodes++;
    const roots = this.#roots;
    const counts = this.#counts;
    const center = (roots[start] + roots[end - 1]) / 2;
    const radius = (roots[end - 1] - roots[start]) / 2;
    const offset = id * (ORDER + 1);
    let mass = 0;
    let logRoots = 0;
    for (let j = start; j < end; j++) {
      mass += counts[j];
      logRoots += counts[j] * this.#logRoots[j];
      if (radius > 0) {
        const u = (roots[j] - center) / radius;
        let power = counts[j];
        for (let n = 1; n <= ORDER; n++) {
          power *= u;
          this.#moments[offset + n] += power / n;
        }
      }
    }
    this.#start[id] = start;
    this.#end[id] = end;
    this.#center[id] = center;
    this.#radius[id] = radius;
    this.#mass[id] = mass;
    this.#nodeLogRoots[id] = logRoots;
    this.#left[id] = -1;
    this.#right[id] = -1;
    if (end - start > LEAF_SIZE) {
      const middle = (start + end) >> 1;
      this.#left[id] = this.#build(start, middle);
      this.#right[id] = this.#build(middle, end);
    }
    return id;
  }

  /**
   * Sets `value`, `slope` and `curvature` to S, S' and S'' at `x`, which must
   * not be a root.
   */
  evaluate(x: number): void {
    let value = 0;
    let slope = 0;
    let curvature = 0;
    const roots = this.#roots;
    const counts = this.#counts;
    const moments = this.#moments;
    const stack = this.#stack;
    let top = 0;
    if (roots.length > 0) stack[top++] = 0;
    while (top > 0) {
      const node = stack[--top];
      const d = x - this.#center[node];
      const radius = this.#radius[node];
      if (radius <= OPENING * Math.abs(d)) {
        // Far field: multipole series in z = ρ / d.
        const mass = this.#mass[node];
        const offset = node * (ORDER + 1);
        const z = radius / d;
        let power = 1;
        let series = 0;
        let seriesSlope = 0;
        let seriesCurvature = 0;
        for (let n = 1; n <= ORDER; n++) {
          power *= z;
          const term = moments[offset + n] * power;
          series += term;
          seriesSlope += n * term;
          seriesCurvature += n * (n + 1) * term;
          if (Math.abs(power) < NEGLIGIBLE) break;
        }
        value += mass * Math.log(Math.abs(d)) - this.#nodeLogRoots[node] -
          series;
        slope += (mass + seriesSlope) / d;
        curvature -= (mass + seriesCurvature) / (d * d);
      } else if (this.#left[node] < 0) {
        const end = this.#end[node];
        const logRoots = this.#logRoots;
        for (let j = this.#start[node]; j < end; j++) {
          const gap = x - roots[j];
          const weight = counts[j];
          const inverse = 1 / gap;
          value += weight * (Math.log(Math.abs(gap)) - logRoots[j]);
          slope += weight * inverse;
          curvature -= weight * inverse * inverse;
        }
      } else {
        stack[top++] = this.#left[node];
        stack[top++] = this.#right[node];
      }
    }
    this.value = value;
    this.slope = slope;
    this.curvature = curvature;
  }
}
