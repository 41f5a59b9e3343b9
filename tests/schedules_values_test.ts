// Value tables for every family, with expected rates written out by hand
// from each reference's definition, never by calling the code under test.

import {
  chebyshev,
  constant,
  cosine,
  cosineRestarts,
  exponential,
  inverseSqrt,
  join,
  linear,
  multiStep,
  oneCycle,
  polynomial,
  rex,
  sample,
  type Schedule,
  stages,
  stepDecay,
  uba,
  withWarmup,
  wsd,
} from "../lib/mod.ts";
import { assert, assertClose } from "./_assert.ts";

const SQRT2 = Math.SQRT2;
const { cos, PI, sqrt } = Math;

function assertTable(
  schedule: Schedule,
  expected: Record<number, number>,
  tolerance = 1e-14,
) {
  for (const [step, rate] of Object.entries(expected)) {
    assertClose(
      schedule(Number(step)),
      rate,
      tolerance,
      `${schedule.name} at step ${step}: `,
    );
  }
}

Deno.test("uba() follows its closed form at the quarter points", () => {
  // phi = 4: factor = 2u / (8 - 2u); u = 2, 1 + 1/√2, 1, 1 - 1/√2, 0.
  const u = [2, 1 + 1 / SQRT2, 1, 1 - 1 / SQRT2, 0];
  const lr = uba({ peakLr: 1, minLr: 0.1, phi: 4, totalSteps: 8 });
  const expected: Record<number, number> = {};
  u.forEach((ui, i) => expected[2 * i] = 0.1 + 0.9 * (2 * ui) / (8 - 2 * ui));
  assertTable(lr, expected);
  assertClose(lr(4), 0.1 + 0.9 / 3, 1e-15, "uba midpoint with phi=4: ");
});

Deno.test("uba() returns peakLr at the end of warmup and minLr from totalSteps on", () => {
  const lr = uba({
    peakLr: 0.5,
    minLr: 0.05,
    phi: 3,
    totalSteps: 100,
    warmupSteps: 10,
    warmupInitLr: 0.01,
  });
  assertTable(lr, { 0: 0.01, 5: 0.255, 10: 0.5, 100: 0.05, 1000: 0.05 });
  assert.equal(lr.totalSteps, 100);
  assert.equal(lr.name, "uba(phi=3)");
});

Deno.test("cosine() equals PyTorch's CosineAnnealingLR closed form", () => {
  assertTable(cosine({ peakLr: 1, totalSteps: 4 }), {
    0: 1,
    1: (2 + SQRT2) / 4,
    2: 0.5,
    3: (2 - SQRT2) / 4,
    4: 0,
    9: 0,
  });
  assertTable(cosine({ peakLr: 0.2, minLr: 0.1, totalSteps: 3 }), {
    1: 0.1 + 0.1 * 0.75,
    2: 0.1 + 0.1 * 0.25,
  });
});

Deno.test("cosine() with warmup ramps linearly, then anneals over the rest", () => {
  assertTable(cosine({ peakLr: 1, totalSteps: 6, warmupSteps: 2 }), {
    0: 0,
    1: 0.5,
    2: 1,
    4: 0.5,
    6: 0,
  });
});

Deno.test("linear() and rex() decay to minLr on their curves", () => {
  assertTable(linear({ peakLr: 1, minLr: 0.2, totalSteps: 4 }), {
    0: 1,
    1: 0.8,
    2: 0.6,
    3: 0.4,
    4: 0.2,
  });
  // REX: (1 - p) / (1/2 + (1 - p)/2) at p = 1/4, 1/2, 3/4 is 6/7, 2/3, 2/5.
  assertTable(rex({ peakLr: 1, totalSteps: 4 }), {
    0: 1,
    1: 6 / 7,
    2: 2 / 3,
    3: 2 / 5,
    4: 0,
  });
});

Deno.test("stepDecay(), multiStep() and exponential() match StepLR, MultiStepLR and ExponentialLR", () => {
  assertTable(stepDecay({ peakLr: 2, stepSize: 3 }), {
    0: 2,
    2: 2,
    3: 0.2,
    5: 0.2,
    6: 0.02,
    10: 0.002,
  });
  assertTable(multiStep({ peakLr: 1, milestones: [2, 5, 6], gamma: 0.5 }), {
    0: 1,
    1: 1,
    2: 0.5,
    4: 0.5,
    5: 0.25,
    6: 0.125,
    100: 0.125,
  });
  assertTable(exponential({ peakLr: 3, gamma: 0.9 }), {
    0: 3,
    1: 2.7,
    2: 2.43,
    3: 2.187,
  });
});

Deno.test("polynomial() matches PolynomialLR", () => {
  assertTable(polynomial({ peakLr: 1, totalSteps: 4, power: 2 }), {
    0: 1,
    1: 0.5625,
    2: 0.25,
    3: 0.0625,
    4: 0,
    8: 0,
  });
  assertTable(polynomial({ peakLr: 0.4, totalSteps: 5 }), { 1: 0.32, 4: 0.08 });
});

Deno.test("oneCycle() hits PyTorch's phase ends with cosine annealing", () => {
  // initial = 1/25 = 0.04, final = 0.04 / 1e4 = 4e-6; phase ends 2 and 9.
  const lr = oneCycle({ maxLr: 1, totalSteps: 10 });
  assertTable(lr, {
    0: 0.04,
    1: 0.52,
    2: 1,
    3: 4e-6 + (1 - 4e-6) * (1 + cos(PI / 7)) / 2,
    9: 4e-6,
    10: 4e-6,
    50: 4e-6,
  });
});

Deno.test("oneCycle() interpolates linearly with annealStrategy linear", () => {
  const lr = oneCycle({
    maxLr: 2,
    totalSteps: 11,
    pctStart: 0.2,
    divFactor: 4,
    finalDivFactor: 5,
    annealStrategy: "linear",
  });
  // initial 0.5, final 0.1, phase ends 1.2 and 10.
  assertTable(lr, {
    0: 0.5,
    1: 0.5 + 1.5 / 1.2,
    2: 2 - 1.9 * 0.8 / 8.8,
    10: 0.1,
  });
});

Deno.test("oneCycle() with threePhase goes back to the initial rate before the end", () => {
  // Phase ends 2, 4, 9: 0.04 -> 1 -> 0.04 -> 4e-6.
  const lr = oneCycle({ maxLr: 1, totalSteps: 10, threePhase: true });
  assertTable(lr, {
    0: 0.04,
    2: 1,
    3: 0.52,
    4: 0.04,
    9: 4e-6,
  });
  assertClose(lr(5), 4e-6 + (0.04 - 4e-6) * (1 + cos(PI / 5)) / 2);
});

Deno.test("cosineRestarts() restarts like CosineAnnealingWarmRestarts over several cycles", () => {
  const same = cosineRestarts({ peakLr: 1, firstCycle: 4 });
  assertTable(same, {
    0: 1,
    1: (2 + SQRT2) / 4,
    2: 0.5,
    4: 1,
    6: 0.5,
    8: 1,
    11: (2 - SQRT2) / 4,
  });
  // T_0 = 2, T_mult = 3: cycles [0, 2), [2, 8), [8, 26), [26, 80).
  const growing = cosineRestarts({
    peakLr: 1,
    minLr: 0.1,
    firstCycle: 2,
    cycleMult: 3,
  });
  const at = (s: number, length: number) =>
    0.1 + 0.9 * (1 + cos(PI * s / length)) / 2;
  assertTable(growing, {
    0: 1,
    1: at(1, 2),
    2: 1,
    5: at(3, 6),
    7: at(5, 6),
    8: 1,
    17: at(9, 18),
    26: 1,
    79: at(53, 54),
    80: 1,
  });
});

Deno.test("wsd() holds the peak and decays in each of its three shapes", () => {
  const base = {
    peakLr: 1,
    minLr: 0.2,
    totalSteps: 10,
    warmupSteps: 2,
    decaySteps: 4,
  };
  assertTable(wsd(base), {
    0: 0,
    1: 0.5,
    2: 1,
    5: 1,
    6: 1,
    7: 0.8,
    8: 0.6,
    10: 0.2,
  });
  assertTable(wsd({ ...base, decay: "cosine" }), {
    7: 0.2 + 0.8 * (2 + SQRT2) / 4,
    8: 0.6,
  });
  assertTable(wsd({ ...base, decay: "sqrt" }), {
    7: 0.2 + 0.8 * 0.5,
    8: 0.2 + 0.8 * (1 - sqrt(0.5)),
    10: 0.2,
  });
});

Deno.test("constant() and inverseSqrt() give their rates", () => {
  assertTable(constant({ lr: 0.3 }), { 0: 0.3, 123456: 0.3 });
  assertTable(inverseSqrt({ peakLr: 1, warmupSteps: 4 }), {
    0: 0,
    2: 0.5,
    4: 1,
    8: sqrt(0.5),
    16: 0.5,
  });
  assertTable(inverseSqrt({ peakLr: 1, warmupSteps: 0 }), { 0: 1, 30000: 0.5 });
});

Deno.test("chebyshev() returns the reciprocal Chebyshev nodes, largest first", () => {
  // T = 2 on [1, 3]: nodes 2 ∓ cos(π/4), so steps 1/(2 - 1/√2), 1/(2 + 1/√2).
  assertTable(chebyshev({ mu: 1, L: 3, totalSteps: 2 }), {
    0: 1 / (2 - 1 / SQRT2),
    1: 1 / (2 + 1 / SQRT2),
    2: 1 / (2 + 1 / SQRT2),
  });
});

Deno.test("withWarmup(), join() and stages() place their boundaries exactly", () => {
  const warmed = withWarmup(linear({ peakLr: 1, totalSteps: 4 }), {
    steps: 2,
    initLr: 0.5,
  });
  assertTable(warmed, { 0: 0.5, 1: 0.75, 2: 1, 3: 0.75, 6: 0 });
  assert.equal(warmed.totalSteps, 6);

  const held = withWarmup(constant({ lr: 1 }), {
    steps: 3,
    initLr: 0.1,
    kind: "constant",
  });
  assertTable(held, { 0: 0.1, 2: 0.1, 3: 1 });

  const joined = join([
    constant({ lr: 1 }),
    linear({ peakLr: 2, totalSteps: 2 }),
  ], [3]);
  assertTable(joined, { 2: 1, 3: 2, 4: 1, 5: 0, 9: 0 });
  assert.equal(joined.totalSteps, 5);

  const staged = stages(
    [2, 4],
    (totalSteps, k) => linear({ peakLr: k + 1, totalSteps }),
  );
  assert.deepEqual(Array.from(sample(staged, 8)), [
    1,
    0.5,
    2,
    1.5,
    1,
    0.5,
    0,
    0,
  ]);
});
