// Classical bounds, the φ reading, recommendPhi and sweepPhi.

import {
  chebyshev,
  constant,
  convexBound,
  cosine,
  kappaFromPhi,
  minLrForPhi,
  nonconvexBound,
  phiFromKappa,
  predictQuadraticLoss,
  recommendPhi,
  stronglyConvexBound,
  sweepPhi,
  uba,
  ubaForCurvature,
  worstCaseContraction,
} from "../lib/mod.ts";
import { assert, assertClose } from "./_assert.ts";

Deno.test("convexBound() equals (D² + G² Σ η²) / (2 Σ η) for a cosine decay", () => {
  const T = 10;
  const schedule = cosine({ peakLr: 1, totalSteps: T });
  let sum = 0;
  let squares = 0;
  for (let t = 0; t < T; t++) {
    const rate = (1 + Math.cos((Math.PI * t) / T)) / 2;
    sum += rate;
    squares += rate * rate;
  }
  const bound = convexBound(schedule, { gradientBound: 2, initialDistance: 3 });
  assertClose(bound, (9 + 4 * squares) / (2 * sum), 1e-14);
});

Deno.test("nonconvexBound() reports the steps above 1 / L", () => {
  const schedule = cosine({ peakLr: 0.2, totalSteps: 100 });
  const result = nonconvexBound(schedule, { L: 10, initialGap: 1, noise: 0.5 });
  // η_t > 0.1 exactly while cos(π t / 100) > 0, that is for t < 50.
  assert.equal(result.valid, false);
  assert.equal(result.violations, 50);
  assert.equal(result.firstViolation, 0);
  assert.equal(result.maxRate, 0.2);

  const safe = nonconvexBound(constant({ lr: 0.05 }), {
    L: 10,
    initialGap: 1,
    noise: 0.5,
    totalSteps: 100,
  });
  assert.equal(safe.valid, true);
  assert.equal(safe.violations, 0);
  assert.equal(safe.firstViolation, -1);
  // (2Δ + L σ² T η²) / (T η) = (2 + 10 · 0.5 · 100 · 0.0025) / 5.
  assertClose(safe.bound, (2 + 1.25) / 5, 1e-14);
});

Deno.test("stronglyConvexBound() is exact in the worst direction of a quadratic", () => {
  // For η <= 2 / (μ + L) the factor is 1 - ημ, the factor of direction μ.
  const schedule = uba({ peakLr: 0.15, minLr: 0.01, phi: 3, totalSteps: 80 });
  const options = { mu: 0.5, L: 12, noise: 0.02, initialError: 3 };
  const bound = stronglyConvexBound(schedule, options);
  const exact = predictQuadraticLoss(schedule, {
    eigenvalues: [0.5],
    noise: 0.02,
    initialError: 3,
  });
  // Loss along μ is μ/2 · E x², so E x² = 2 loss / μ.
  assertClose(bound.distance, (2 * exact.loss) / 0.5, 1e-12);
  assertClose(bound.loss, 6 * bound.distance, 1e-12);
});

Deno.test("stronglyConvexBound() bounds the predicted loss of every spectrum in [μ, L]", () => {
  const eigenvalues = [0.5, 1, 3, 7, 12];
  const schedule = uba({ peakLr: 0.3, minLr: 0, phi: 8, totalSteps: 200 });
  const predicted = predictQuadraticLoss(schedule, {
    eigenvalues,
    noise: 0.01,
  });
  // Total noise variance σ² = 5 · 0.01; initial E ||x_0 - x*||² = 5.
  const bound = stronglyConvexBound(schedule, {
    mu: 0.5,
    L: 12,
    noise: 0.05,
    initialError: 5,
  });
  assert.ok(predicted.loss <= bound.loss, `${predicted.loss} > ${bound.loss}`);
});

Deno.test("phiFromKappa() and kappaFromPhi() invert each other", () => {
  for (const kappa of [1, 2.5, 1e3, 1e8]) {
    assert.equal(phiFromKappa(kappa), 2 * kappa);
    assert.equal(kappaFromPhi(phiFromKappa(kappa)), kappa);
  }
  assert.equal(minLrForPhi({ peakLr: 3, phi: 12 }), 0.5);
});

Deno.test("uba() with ubaForCurvature() options is the chebyshev schedule at odd half-steps", () => {
  // UBA with budget 2T at step 2t + 1 has p = (2t + 1) / (2T), the node of
  // chebyshev step t.
  const range = { mu: 0.2, L: 30, totalSteps: 25 };
  const options = ubaForCurvature({ ...range, totalSteps: 50 });
  const schedule = uba(options);
  const optimal = chebyshev(range);
  for (let t = 0; t < 25; t++) {
    assertClose(schedule(2 * t + 1), optimal(t), 1e-12);
  }
});

Deno.test("recommendPhi() under the min-max reading lands near 2κ", () => {
  const kappa = 100;
  const result = recommendPhi({
    kappa,
    totalSteps: 400,
    peakLr: 1,
    minLr: "consistent",
  });
  assert.ok(
    result.phi > 1.6 * kappa && result.phi < 2.5 * kappa,
    `phi ${result.phi}`,
  );
  // With the consistent floor the schedule beats the Chebyshev worst case
  // only by the half-step offset: its contraction is within a factor 10.
  const schedule = uba({
    peakLr: 1,
    minLr: minLrForPhi({ peakLr: 1, phi: result.phi }),
    phi: result.phi,
    totalSteps: 400,
  });
  const contraction = worstCaseContraction(schedule, {
    mu: 1,
    L: kappa,
    totalSteps: 400,
  });
  assert.ok(contraction < 1e-6, `contraction ${contraction}`);
});

Deno.test("recommendPhi() moves φ up with noise and reports the cosine loss", () => {
  const base = { mu: 0.01, L: 1, totalSteps: 3000 };
  const phis = [1e-5, 1e-3, 1e-1].map((noise) => {
    const result = recommendPhi({ ...base, noise });
    const cosineLoss = predictQuadraticLoss(
      cosine({ peakLr: 1, totalSteps: 3000 }),
      {
        eigenvalues: Array.from(
          { length: 32 },
          (_, k) => 0.01 * 100 ** (k / 31),
        ),
        noise,
      },
    ).loss;
    assertClose(result.cosineLoss / cosineLoss, 1, 1e-9);
    assert.ok(result.predictedLoss <= result.cosineLoss);
    for (const point of result.curve) {
      assert.ok(result.predictedLoss <= point.loss * (1 + 1e-12));
    }
    assert.match(result.explanation, /phi = /);
    return result.phi;
  });
  assert.ok(phis[0] < phis[1] && phis[1] < phis[2], `phis ${phis}`);
});

Deno.test("recommendPhi() takes a measured spectrum with weights", () => {
  const result = recommendPhi({
    eigenvalues: [0.01, 0.1, 1],
    weights: [100, 10, 1],
    totalSteps: 500,
    noise: 1e-3,
  });
  assert.ok(result.phi > 0 && Number.isFinite(result.predictedLoss));
  assert.match(result.explanation, /measured spectrum of 3 eigenvalues/);
});

Deno.test("sweepPhi() picks the smallest mean loss and treats NaN as diverged", async () => {
  const calls: number[] = [];
  const proxy = (phi: number, budget: number) => {
    calls.push(phi);
    assert.equal(budget, 300);
    if (phi === 0.5) return Promise.resolve(NaN);
    return Promise.resolve((Math.log(phi) - Math.log(5)) ** 2 + 1);
  };
  const result = await sweepPhi(proxy, {
    budget: 300,
    phis: [0.5, 2, 4, 8, 16],
    repeats: 2,
  });
  assert.equal(result.phi, 4);
  assert.equal(calls.length, 10);
  assert.equal(result.results[0].mean, Infinity);
  assert.match(result.explanation, /phi = 4/);
});
