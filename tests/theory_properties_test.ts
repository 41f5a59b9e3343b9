// Properties of the theory calculators over random inputs, and their errors
// on bad input.

import fc from "fast-check";
import {
  chebyshev,
  chebyshevContraction,
  constant,
  convexBound,
  cosine,
  cosineRestarts,
  exponential,
  inverseSqrt,
  linear,
  multiStep,
  nonconvexBound,
  oneCycle,
  polynomial,
  predictQuadraticLoss,
  recommendPhi,
  rex,
  type Schedule,
  stepDecay,
  stronglyConvexBound,
  uba,
  worstCaseAnalysis,
  worstCaseContraction,
  wsd,
} from "../lib/mod.ts";
import { assert, assertThrowsWith } from "./_assert.ts";

/** Every family of the library, built from a peak rate and a budget. */
const families: Record<
  string,
  (peakLr: number, T: number, shape: number) => Schedule
> = {
  uba: (peakLr, T, shape) =>
    uba({ peakLr, minLr: peakLr / 50, phi: 0.2 + 50 * shape, totalSteps: T }),
  cosine: (peakLr, T) => cosine({ peakLr, totalSteps: T }),
  linear: (peakLr, T) => linear({ peakLr, minLr: peakLr / 10, totalSteps: T }),
  stepDecay: (peakLr, T, shape) =>
    stepDecay({
      peakLr,
      stepSize: Math.max(1, Math.floor(T / 3)),
      gamma: 0.1 + 0.8 * shape,
    }),
  multiStep: (peakLr, T) =>
    multiStep({
      peakLr,
      milestones: [Math.floor(T / 2) + 1, Math.floor((3 * T) / 4) + 2],
    }),
  exponential: (peakLr, _T, shape) =>
    exponential({ peakLr, gamma: 0.8 + 0.2 * shape }),
  polynomial: (peakLr, T, shape) =>
    polynomial({ peakLr, totalSteps: T, power: 0.5 + 2 * shape }),
  oneCycle: (peakLr, T) =>
    oneCycle({ maxLr: peakLr, totalSteps: Math.max(10, T) }),
  wsd: (peakLr, T) =>
    wsd({ peakLr, totalSteps: T, decaySteps: Math.max(1, Math.floor(T / 5)) }),
  rex: (peakLr, T) => rex({ peakLr, totalSteps: T }),
  constant: (peakLr) => constant({ lr: peakLr }),
  inverseSqrt: (peakLr, T) =>
    inverseSqrt({ peakLr, warmupSteps: Math.max(1, Math.floor(T / 10)) }),
  cosineRestarts: (peakLr, T) =>
    cosineRestarts({ peakLr, firstCycle: Math.max(1, Math.floor(T / 3)) }),
};

Deno.test("chebyshev has the smallest worst-case contraction of every family", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.01, max: 10, noNaN: true }),
      fc.double({ min: 1.01, max: 1000, noNaN: true }),
      fc.integer({ min: 1, max: 40 }),
      fc.constantFrom(...Object.keys(families)),
      fc.double({ min: 1e-3, max: 2, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (mu, kappa, T, family, peakScale, shape) => {
        const range = { mu, L: mu * kappa, totalSteps: T };
        // Peak rates from 1e-3 / μ to 2 / μ: stable and unstable ones alike.
        const schedule = families[family](peakScale / mu, T, shape);
        const optimum = chebyshevContraction(range);
        const reached = worstCaseContraction(chebyshev(range), range);
        const other = worstCaseAnalysis(schedule, range).logContraction;
        assert.ok(Math.abs(reached / optimum - 1) < 1e-8);
        assert.ok(
          other >= Math.log(optimum) - 1e-9,
          `${schedule.name}: log ${other} < ${Math.log(optimum)}`,
        );
      },
    ),
    { seed: 20251, numRuns: 300 },
  );
});

Deno.test("the calculators give finite numbers for valid, stable input", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 1e-6, max: 1e3, noNaN: true }),
      fc.double({ min: 1, max: 1e8, noNaN: true }),
      fc.integer({ min: 1, max: 3000 }),
      fc.double({ min: 0.01, max: 1.99, noNaN: true }),
      fc.double({ min: 0.05, max: 1e4, noNaN: true }),
      fc.double({ min: 0, max: 10, noNaN: true }),
      (mu, kappa, T, peakScale, phi, noise) => {
        const L = mu * kappa;
        // Peak below 2 / L: no factor |1 - ηλ| exceeds 1 on [0, L].
        const schedule = uba({ peakLr: peakScale / L, phi, totalSteps: T });
        const numbers = [
          worstCaseContraction(schedule, { mu, L }),
          ...Object.values(predictQuadraticLoss(schedule, {
            eigenvalues: [mu, Math.sqrt(mu * L), L],
            noise,
          })),
          chebyshevContraction({ mu, L, totalSteps: T }),
          convexBound(schedule, { gradientBound: 1, initialDistance: 1 }),
          nonconvexBound(schedule, { L, initialGap: 1, noise }).bound,
          ...Object.values(stronglyConvexBound(schedule, { mu, L, noise })),
        ];
        for (const value of numbers) {
          assert.ok(Number.isFinite(value), `${value} for ${schedule.name}`);
        }
      },
    ),
    { seed: 7, numRuns: 100 },
  );
});

Deno.test("bad input throws errors that name the option", async (t) => {
  const schedule = cosine({ peakLr: 0.1, totalSteps: 10 });
  const cases: [string, () => unknown, string][] = [
    ["mu <= 0", () => worstCaseContraction(schedule, { mu: 0, L: 1 }), "mu"],
    [
      "L < mu",
      () => worstCaseContraction(schedule, { mu: 2, L: 1 }),
      "mu must not exceed L",
    ],
    [
      "T < 1",
      () => worstCaseContraction(schedule, { mu: 1, L: 2, totalSteps: 0 }),
      "totalSteps",
    ],
    [
      "no budget",
      () => worstCaseContraction(constant({ lr: 0.1 }), { mu: 1, L: 2 }),
      "totalSteps",
    ],
    [
      "chebyshev mu",
      () => chebyshevContraction({ mu: -1, L: 2, totalSteps: 3 }),
      "mu",
    ],
    [
      "chebyshev T",
      () => chebyshevContraction({ mu: 1, L: 2, totalSteps: 0.5 }),
      "totalSteps",
    ],
    [
      "empty spectrum",
      () => predictQuadraticLoss(schedule, { eigenvalues: [] }),
      "eigenvalues",
    ],
    [
      "negative eigenvalue",
      () => predictQuadraticLoss(schedule, { eigenvalues: [1, -2] }),
      "eigenvalues[1]",
    ],
    [
      "negative noise",
      () => predictQuadraticLoss(schedule, { eigenvalues: [1], noise: -1 }),
      "noise",
    ],
    [
      "weights length",
      () =>
        predictQuadraticLoss(schedule, { eigenvalues: [1], weights: [1, 2] }),
      "weights",
    ],
    [
      "negative sigma",
      () => nonconvexBound(schedule, { L: 1, initialGap: 1, noise: -0.1 }),
      "noise",
    ],
    [
      "strongly convex L < mu",
      () => stronglyConvexBound(schedule, { mu: 3, L: 1 }),
      "mu must not exceed L",
    ],
    [
      "negative G",
      () => convexBound(schedule, { gradientBound: -1, initialDistance: 1 }),
      "gradientBound",
    ],
    ["kappa < 1", () => recommendPhi({ kappa: 0.5, totalSteps: 10 }), "kappa"],
    [
      "two sources",
      () => recommendPhi({ kappa: 5, eigenvalues: [1], totalSteps: 10 }),
      "exactly one",
    ],
    [
      "recommend T",
      () => recommendPhi({ kappa: 5, totalSteps: 0 }),
      "totalSteps",
    ],
  ];
  for (const [name, call, fragment] of cases) {
    await t.step(
      name,
      () => assertThrowsWith(call, RangeError, fragment, "Cannot"),
    );
  }
  await t.step("negative rate", () =>
    assertThrowsWith(
      () =>
        worstCaseContraction(
          Object.assign((step: number) => (step === 3 ? -1 : 0.1), {
            totalSteps: 5,
          }) as unknown as Schedule,
          { mu: 1, L: 2 },
        ),
      RangeError,
      "schedule(3)",
    ));
});
