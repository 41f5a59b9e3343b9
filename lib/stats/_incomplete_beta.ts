// The regularized incomplete beta function I_x(a, b), the building block of
// the Student t and binomial distribution functions in this folder.
//
//   I_x(a, b) = B(x; a, b) / B(a, b),   B(x; a, b) = ∫_0^x s^(a-1) (1-s)^(b-1) ds
//
// It is evaluated with the classic continued fraction (DLMF 8.17.22), which
// converges fast for x < (a + 1) / (a + b + 2); above that point the symmetry
// I_x(a, b) = 1 - I_(1-x)(b, a) moves the argument into the fast region. The
// fraction is summed with the modified Lentz method.
import { gammaln } from "simple-statistics";

const TINY = 1e-300;
const TOLERANCE = 1e-15;
const MAX_TERMS = 10_000;

/** d_m, the m-th partial numerator of the continued fraction (m >= 1). */
function numerator(m: number, x: number, a: number, b: number): number {
  const k = Math.floor(m / 2);
  if (m % 2 === 0) {
    return (k * (b - k) * x) / ((a + 2 * k - 1) * (a + 2 * k));
  }
  return -((a + k) * (a + b + k) * x) / ((a + 2 * k) * (a + 2 * k + 1));
}

/**
 * 1 / (1 + d_1 / (1 + d_2 / (1 + ...))), by the modified Lentz method: the
 * fraction b_0 + a_1 / (b_1 + a_2 / (b_2 + ...)) with b_0 = 0, a_1 = 1,
 * a_j = d_(j-1) for j >= 2 and b_j = 1.
 */
function continuedFraction(x: number, a: number, b: number): number {
  let value = TINY;
  let c = value;
  let d = 0;
  for (let j = 1; j <= MAX_TERMS; j++) {
    const aj = j === 1 ? 1 : numerator(j - 1, x, a, b);
    d = 1 + aj * d;
    if (Math.abs(d) < TINY) d = TINY;
    d = 1 / d;
    c = 1 + aj / c;
    if (Math.abs(c) < TINY) c = TINY;
    const delta = c * d;
    value *= delta;
    if (Math.abs(delta - 1) < TOLERANCE) return value;
  }
  throw new RangeError(
    `Cannot evaluate the incomplete beta function as the continued fraction must converge within ${MAX_TERMS} terms: current value is x=${x}, a=${a}, b=${b}`,
  );
}

/** The Stirling-series remainder of ln Gamma(x), accurate to 1e-16 for x >= 10. */
function stirlingRemainder(x: number): number {
  const x2 = x * x;
  return (1 / 12 - (1 / 360 - (1 / 1260 - 1 / (1680 * x2)) / x2) / x2) / x;
}

/**
 * ln Gamma(large + small) - ln Gamma(large). Subtracting two huge log-gammas
 * loses digits (for large = 1e9 about six of them), so for large >= 10 the
 * difference comes from Stirling's series term by term instead.
 */
function logGammaRatio(large: number, small: number): number {
  if (large < 10) return gammaln(large + small) - gammaln(large);
  const sum = large + small;
  return (large - 0.5) * Math.log1p(small / large) + small * Math.log(sum) -
    small + stirlingRemainder(sum) - stirlingRemainder(large);
}

/** -ln B(a, b) = ln Gamma(a + b) - ln Gamma(a) - ln Gamma(b). */
function negativeLogBeta(a: number, b: number): number {
  const large = Math.max(a, b);
  const small = Math.min(a, b);
  return logGammaRatio(large, small) - gammaln(small);
}

/** I_x(a, b) for 0 <= x <= 1 and a, b > 0. */
export function regularizedIncompleteBeta(
  x: number,
  a: number,
  b: number,
): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) {
    return 1 - regularizedIncompleteBeta(1 - x, b, a);
  }
  // x^a (1-x)^b / (a B(a, b)), in logs to stay finite for large a and b.
  const logFront = a * Math.log(x) + b * Math.log1p(-x) +
    negativeLogBeta(a, b) - Math.log(a);
  return Math.exp(logFront) * continuedFraction(x, a, b);
}
