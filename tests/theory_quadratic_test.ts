// The quadratic-model calculators against closed forms, brute force and
// Monte Carlo simulation.

import { Random } from "../lib/data/random.ts";
import {
  chebyshev,
  chebyshevContraction,
  chebyshevLogContraction,
  compareWithChebyshev,
  constant,
  cosine,
  predictQuadraticLoss,
  type Schedule,
  spectrumContraction,
  stepDecay,
  uba,
  worstCaseAnalysis,
  worstCaseContraction,
} from "../lib/mod.ts";
import { assert, assertClose } from "./_assert.ts";

/** `log |Π_t (1 - η_t λ)|` by a plain sum, the oracle for small cases. */
function logPolynomial(rates: number[], lambda: number): number {
  return rates.reduce(
    (sum, rate) => sum + Math.log(Math.abs(1 - rate * lambda)),
    0,
  );
}

function rates(schedule: Schedule, steps: number): number[] {
  return Array.from({ length: steps }, (_, t) => schedule(t));
}

function assertRelative(actual: number, expected: number, tolerance: number) {
  assert.ok(
    Math.abs(actual - expected) <= tolerance * Math.abs(expected),
    `expected ${expected}, got ${actual} (relative tolerance ${tolerance})`,
  );
}

/** Seeded uniform generator. */
function uniform(seed: number): () => number {
  const random = new Random(seed);
  return () => random.uniform();
}

/** Seeded standard normal generator. */
function normal(seed: number): () => number {
  const random = new Random(seed);
  return () => random.normal();
}

Deno.test("worstCaseContraction() of a constant rate is max(|1 - ημ|, |1 - ηL|)^T", () => {
  for (const lr of [0.01, 0.1, 0.15, 0.19]) {
    const expected = Math.max(Math.abs(1 - lr), Math.abs(1 - 10 * lr)) ** 25;
    const actual = worstCaseContraction(constant({ lr }), {
      mu: 1,
      L: 10,
      totalSteps: 25,
    });
    assertRelative(actual, expected, 1e-12);
  }
});

Deno.test("worstCaseContraction() of chebyshev steps equals the closed form 1/T_T", async (t) => {
  for (
    const [mu, L, totalSteps] of [[1, 100, 30], [0.5, 4, 7], [1, 1e4, 1000]]
  ) {
    await t.step(`kappa ${L / mu}, T ${totalSteps}`, () => {
      const range = { mu, L, totalSteps };
      assertRelative(
        worstCaseContraction(chebyshev(range), range),
        chebyshevContraction(range),
        1e-8,
      );
    });
  }
});

Deno.test("worstCaseAnalysis() finds the exact maximum that a dense grid only approaches", () => {
  // UBA from 1/μ to 1/L with φ above 2κ: the worst peak is interior.
  const range = { mu: 1, L: 50, totalSteps: 12 };
  const schedule = uba({ peakLr: 1, minLr: 0.02, phi: 150, totalSteps: 12 });
  const steps = rates(schedule, 12);
  const worst = worstCaseAnalysis(schedule, range);
  let grid = -Infinity;
  for (let k = 0; k <= 200_000; k++) {
    grid = Math.max(grid, logPolynomial(steps, 1 + (49 * k) / 200_000));
  }
  assert.ok(grid <= worst.logContraction + 1e-12, "the grid beat the maximum");
  assert.ok(grid >= worst.logContraction - 1e-6, "the grid is far below");
  assertClose(
    logPolynomial(steps, worst.curvature),
    worst.logContraction,
    1e-12,
  );
  assert.ok(
    worst.curvature > 1 && worst.curvature < 50,
    "expected an interior peak",
  );
});

Deno.test("worstCaseAnalysis() with the treecode matches a direct search over every gap", () => {
  // 600 distinct roots inside the range: the treecode path, checked against
  // a golden-section search with direct sums on each gap between roots.
  const range = { mu: 1, L: 300, totalSteps: 600 };
  const schedule = uba({
    peakLr: 1,
    minLr: 1 / 300,
    phi: 600,
    totalSteps: 600,
  });
  const steps = rates(schedule, 600);
  const roots = steps.map((rate) => 1 / rate).sort((a, b) => a - b);
  let best = Math.max(logPolynomial(steps, 1), logPolynomial(steps, 300));
  for (let k = 0; k + 1 < roots.length; k++) {
    let a = Math.max(roots[k], 1);
    let b = Math.min(roots[k + 1], 300);
    if (!(a < b)) continue;
    for (let i = 0; i < 60; i++) {
      const c = a + (b - a) * 0.382;
      const d = a + (b - a) * 0.618;
      if (logPolynomial(steps, c) > logPolynomial(steps, d)) b = d;
      else a = c;
    }
    best = Math.max(best, logPolynomial(steps, (a + b) / 2));
  }
  assertClose(worstCaseAnalysis(schedule, range).logContraction, best, 1e-9);
});

Deno.test("chebyshevContraction() matches the three-term recurrence of T_n", () => {
  for (const [mu, L] of [[1, 3], [2, 50], [1, 1000]]) {
    const x = (L / mu + 1) / (L / mu - 1);
    let previous = 1;
    let current = x;
    for (let n = 1; n <= 40; n++) {
      assertRelative(
        chebyshevContraction({ mu, L, totalSteps: n }),
        1 / current,
        1e-12,
      );
      [previous, current] = [current, 2 * x * current - previous];
    }
  }
  assert.equal(chebyshevContraction({ mu: 3, L: 3, totalSteps: 5 }), 0);
});

Deno.test("T = 10^6 and kappa = 10^8 stay finite", () => {
  const range = { mu: 1, L: 1e8, totalSteps: 1_000_000 };
  const log = chebyshevLogContraction(range);
  // 2 q^T with q = (√κ - 1) / (√κ + 1) = (10^4 - 1) / (10^4 + 1).
  assertClose(log, Math.log(2) + 1e6 * Math.log(9999 / 10001), 1e-9);
  assert.ok(Number.isFinite(chebyshevContraction(range)));

  const stable = cosine({ peakLr: 1e-8, totalSteps: 1_000_000 });
  // Rates in [1/L, 2/L): roots inside the range, and no factor above 1.
  const steps = stepDecay({ peakLr: 1.9e-8, stepSize: 250_000, gamma: 0.75 });
  for (const schedule of [stable, steps]) {
    const worst = worstCaseAnalysis(schedule, range);
    assert.ok(Number.isFinite(worst.logContraction), schedule.name);
    assert.ok(Number.isFinite(worst.contraction), schedule.name);
    const predicted = predictQuadraticLoss(schedule, {
      eigenvalues: [1, 1e4, 1e8],
      totalSteps: 1_000_000,
      noise: 1e-3,
    });
    for (const value of Object.values(predicted)) {
      assert.ok(Number.isFinite(value), `${schedule.name}: ${value}`);
    }
  }
});

Deno.test("worstCaseAnalysis() handles 10^5 distinct roots inside the range", () => {
  const range = { mu: 1, L: 1e8, totalSteps: 100_000 };
  const worst = worstCaseAnalysis(chebyshev(range), range);
  assertRelative(worst.logContraction, chebyshevLogContraction(range), 1e-6);
});

Deno.test("predictQuadraticLoss() of a constant rate matches the geometric sums", () => {
  const eta = 0.05;
  const lambdas = [0.5, 3, 12];
  const weights = [2, 1, 0.5];
  const [noise, initialError, T] = [0.3, 4, 40];
  let bias = 0;
  let variance = 0;
  lambdas.forEach((lambda, i) => {
    const a2 = (1 - eta * lambda) ** 2;
    bias += 0.5 * weights[i] * lambda * initialError * a2 ** T;
    variance += 0.5 * weights[i] * lambda * noise * eta ** 2 * (1 - a2 ** T) /
      (1 - a2);
  });
  const predicted = predictQuadraticLoss(constant({ lr: eta }), {
    eigenvalues: lambdas,
    weights,
    totalSteps: T,
    noise,
    initialError,
  });
  assertRelative(predicted.bias, bias, 1e-12);
  assertRelative(predicted.variance, variance, 1e-12);
  assertRelative(predicted.loss, bias + variance, 1e-12);
  assertClose(predicted.logLoss, Math.log(bias + variance), 1e-12);
});

Deno.test("predictQuadraticLoss() keeps a finite log where a diverging loss overflows", () => {
  const predicted = predictQuadraticLoss(constant({ lr: 1 }), {
    eigenvalues: [3],
    totalSteps: 2000,
    noise: 1,
  });
  // |1 - 3| = 2 per step: log loss ≈ 2000 · 2 log 2 + log(1/2 · 3 · 4/3).
  assert.equal(predicted.loss, Infinity);
  assertClose(predicted.logLoss, 4000 * Math.log(2) + Math.log(2), 1e-9);
});

/** Mean and standard error of f(x_T) over simulated runs. */
function simulate(
  schedule: Schedule,
  lambdas: number[],
  weights: number[],
  options: {
    steps: number;
    runs: number;
    noise: number;
    initialError: number;
    seed: number;
  },
): { mean: number; standardError: number } {
  const gaussian = normal(options.seed);
  const values: number[] = [];
  const steps = rates(schedule, options.steps);
  for (let run = 0; run < options.runs; run++) {
    let loss = 0;
    lambdas.forEach((lambda, i) => {
      let x = Math.sqrt(options.initialError) * gaussian();
      for (const eta of steps) {
        x -= eta * (lambda * x + Math.sqrt(options.noise) * gaussian());
      }
      loss += 0.5 * weights[i] * lambda * x * x;
    });
    values.push(loss);
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) /
    (values.length - 1);
  return { mean, standardError: Math.sqrt(variance / values.length) };
}

Deno.test("predictQuadraticLoss() matches Monte Carlo GD and SGD on random quadratics", async (t) => {
  const random = uniform(7);
  for (let trial = 0; trial < 3; trial++) {
    const lambdas = Array.from({ length: 5 }, () => 0.05 + 2 * random());
    const weights = Array.from({ length: 5 }, () => 0.5 + random());
    const phi = 0.5 + 10 * random();
    const schedule = uba({ peakLr: 0.5, minLr: 0.01, phi, totalSteps: 60 });
    for (const noise of [0, 0.05]) {
      await t.step(
        `trial ${trial}, phi ${phi.toFixed(2)}, noise ${noise}`,
        () => {
          const options = {
            steps: 60,
            runs: 4000,
            noise,
            initialError: 2,
            seed: 100 + trial,
          };
          const simulated = simulate(schedule, lambdas, weights, options);
          const predicted = predictQuadraticLoss(schedule, {
            eigenvalues: lambdas,
            weights,
            noise,
            initialError: 2,
          });
          // Four standard errors: a false alarm about once in 16,000 checks.
          assert.ok(
            Math.abs(simulated.mean - predicted.loss) <=
              4 * simulated.standardError,
            `simulated ${simulated.mean} ± ${simulated.standardError}, predicted ${predicted.loss}`,
          );
        },
      );
    }
  }
});

Deno.test("compareWithChebyshev() puts chebyshev at the closed-form optimum", () => {
  const range = { mu: 1, L: 20, totalSteps: 50 };
  const schedule = uba({ peakLr: 0.05, phi: 4, totalSteps: 50 });
  const result = compareWithChebyshev(schedule, { ...range, noise: 0.01 });
  assertRelative(result.chebyshevContraction, result.optimalContraction, 1e-9);
  assert.ok(result.contraction > result.optimalContraction);
  assertRelative(
    result.loss,
    predictQuadraticLoss(schedule, {
      eigenvalues: Array.from({ length: 32 }, (_, k) => 20 ** (k / 31)),
      noise: 0.01,
    }).loss,
    1e-12,
  );
});

Deno.test("spectrumContraction() picks the eigenvalue with the largest |Π (1 - η λ)|", () => {
  const schedule = cosine({ peakLr: 0.3, totalSteps: 40 });
  const eigenvalues = [0.1, 2, 5, 6.5];
  const steps = rates(schedule, 40);
  const logs = eigenvalues.map((lambda) => logPolynomial(steps, lambda));
  const best = Math.max(...logs);
  const worst = spectrumContraction(schedule, { eigenvalues });
  assertClose(worst.logContraction, best, 1e-12);
  assert.equal(worst.curvature, eigenvalues[logs.indexOf(best)]);
  // A discrete spectrum inside [μ, L] never beats the range's worst case.
  assert.ok(
    worst.logContraction <=
      worstCaseAnalysis(schedule, { mu: 0.1, L: 6.5 }).logContraction + 1e-12,
  );
});
