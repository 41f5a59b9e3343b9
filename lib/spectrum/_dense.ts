// Small dense linear algebra for the Lanczos estimators: vector helpers and
// the cyclic Jacobi eigenvalue method for symmetric matrices.

export function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

export function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

/** `a -= scale * b` in place. */
export function subtractScaled(
  a: Float64Array,
  scale: number,
  b: Float64Array,
): void {
  for (let i = 0; i < a.length; i++) a[i] -= scale * b[i];
}

/**
 * Eigenvalues and eigenvectors of a symmetric tridiagonal matrix with
 * diagonal `alpha` and off-diagonal `beta` (length `alpha.length - 1`), by
 * cyclic Jacobi rotations on the dense matrix. Returns the eigenvalues in
 * descending order and, for each, the first component of its unit
 * eigenvector (the Gauss quadrature weight is its square).
 */
export function tridiagonalEigen(
  alpha: ArrayLike<number>,
  beta: ArrayLike<number>,
): { values: Float64Array; firstComponents: Float64Array } {
  const m = alpha.length;
  const a = Array.from({ length: m }, () => new Float64Array(m));
  const v = Array.from({ length: m }, (_, i) => {
    const row = new Float64Array(m);
    row[i] = 1;
    return row;
  });
  for (let i = 0; i < m; i++) a[i][i] = alpha[i];
  for (let i = 0; i + 1 < m; i++) {
    a[i][i + 1] = beta[i];
    a[i + 1][i] = beta[i];
  }
  for (let sweep = 0; sweep < 100; sweep++) {
    let offDiagonal = 0;
    let diagonal = 0;
    for (let p = 0; p < m; p++) {
      diagonal += a[p][p] * a[p][p];
      for (let q = p + 1; q < m; q++) offDiagonal += a[p][q] * a[p][q];
    }
    if (offDiagonal <= 1e-30 * diagonal || offDiagonal === 0) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = a[p][q];
        if (apq === 0) continue;
        // Rotation angle that zeroes a[p][q]: tan(2θ) = 2 a_pq / (a_qq - a_pp).
        const theta = (a[q][q] - a[p][p]) / (2 * apq);
        const t = Math.sign(theta || 1) /
          (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < m; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < m; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < m; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: m }, (_, i) => i)
    .sort((i, j) => a[j][j] - a[i][i]);
  return {
    values: Float64Array.from(order, (i) => a[i][i]),
    firstComponents: Float64Array.from(order, (i) => v[0][i]),
  };
}
