// Every factory rejects bad options with an error that names the option and
// the value it was given; every schedule rejects a step that is not a
// non-negative integer.

import * as lib from "../lib/mod.ts";
import { assertThrowsWith } from "./_assert.ts";

type Factory = (options: never) => lib.Schedule;
type BadCase = [
  option: string,
  options: Record<string, unknown>,
  ErrorClass: typeof RangeError | typeof TypeError,
];

const decay = { peakLr: 1, totalSteps: 10 };

/** Bad inputs shared by uba, cosine, linear, rex and wsd. */
const decayCases: BadCase[] = [
  ["peakLr", { ...decay, peakLr: -1 }, RangeError],
  ["peakLr", { ...decay, peakLr: NaN }, RangeError],
  ["peakLr", { ...decay, peakLr: Infinity }, RangeError],
  ["peakLr", { ...decay, peakLr: "0.1" }, TypeError],
  ["minLr", { ...decay, minLr: -0.1 }, RangeError],
  ["minLr", { ...decay, minLr: 2 }, RangeError],
  ["totalSteps", { ...decay, totalSteps: 0 }, RangeError],
  ["totalSteps", { ...decay, totalSteps: 2.5 }, RangeError],
  ["totalSteps", { peakLr: 1 }, TypeError],
  ["warmupSteps", { ...decay, warmupSteps: 10 }, RangeError],
  ["warmupSteps", { ...decay, warmupSteps: -1 }, RangeError],
  ["warmupSteps", { ...decay, warmupSteps: 1.5 }, RangeError],
  ["warmupInitLr", { ...decay, warmupInitLr: -1 }, RangeError],
];

const table: [string, Factory, Record<string, unknown>, BadCase[]][] = [
  ["uba", lib.uba, { phi: 1 }, [
    ...decayCases,
    ["phi", { ...decay, phi: 0 }, RangeError],
    ["phi", { ...decay, phi: -2 }, RangeError],
    ["phi", { ...decay, phi: NaN }, RangeError],
    ["phi", { ...decay, phi: Infinity }, RangeError],
    ["phi", { ...decay, phi: undefined }, TypeError],
  ]],
  ["cosine", lib.cosine, {}, decayCases],
  ["linear", lib.linear, {}, decayCases],
  ["rex", lib.rex, {}, decayCases],
  ["wsd", lib.wsd, { decaySteps: 2 }, [
    ...decayCases,
    ["decaySteps", { ...decay, decaySteps: 0 }, RangeError],
    ["decaySteps", { ...decay, decaySteps: 11 }, RangeError],
    ["decaySteps", { ...decay, warmupSteps: 5, decaySteps: 6 }, RangeError],
    ["decay", { ...decay, decaySteps: 2, decay: "exp" }, TypeError],
  ]],
  ["stepDecay", lib.stepDecay, {}, [
    ["peakLr", { peakLr: -1, stepSize: 2 }, RangeError],
    ["stepSize", { peakLr: 1, stepSize: 0 }, RangeError],
    ["stepSize", { peakLr: 1, stepSize: 1.5 }, RangeError],
    ["gamma", { peakLr: 1, stepSize: 2, gamma: 0 }, RangeError],
    ["gamma", { peakLr: 1, stepSize: 2, gamma: 1.5 }, RangeError],
  ]],
  ["multiStep", lib.multiStep, {}, [
    ["peakLr", { peakLr: NaN, milestones: [1] }, RangeError],
    ["milestones", { peakLr: 1, milestones: [5, 3] }, RangeError],
    ["milestones", { peakLr: 1, milestones: [3, 3] }, RangeError],
    ["milestones[0]", { peakLr: 1, milestones: [0] }, RangeError],
    ["milestones[1]", { peakLr: 1, milestones: [2, 2.5] }, RangeError],
    ["milestones", { peakLr: 1, milestones: 5 }, TypeError],
    ["gamma", { peakLr: 1, milestones: [2], gamma: -0.1 }, RangeError],
  ]],
  ["exponential", lib.exponential, {}, [
    ["peakLr", { peakLr: -1, gamma: 0.5 }, RangeError],
    ["gamma", { peakLr: 1, gamma: 0 }, RangeError],
    ["gamma", { peakLr: 1, gamma: 1.01 }, RangeError],
    ["gamma", { peakLr: 1 }, TypeError],
  ]],
  ["polynomial", lib.polynomial, {}, [
    ["peakLr", { peakLr: -1, totalSteps: 5 }, RangeError],
    ["totalSteps", { peakLr: 1, totalSteps: 0 }, RangeError],
    ["power", { peakLr: 1, totalSteps: 5, power: 0 }, RangeError],
    ["power", { peakLr: 1, totalSteps: 5, power: -1 }, RangeError],
  ]],
  ["oneCycle", lib.oneCycle, {}, [
    ["maxLr", { maxLr: 0, totalSteps: 10 }, RangeError],
    ["totalSteps", { maxLr: 1, totalSteps: 1 }, RangeError],
    ["pctStart", { maxLr: 1, totalSteps: 10, pctStart: 0 }, RangeError],
    ["pctStart", { maxLr: 1, totalSteps: 10, pctStart: 1 }, RangeError],
    ["pctStart", { maxLr: 1, totalSteps: 10, pctStart: 0.05 }, RangeError],
    [
      "pctStart",
      { maxLr: 1, totalSteps: 10, pctStart: 0.6, threePhase: true },
      RangeError,
    ],
    ["divFactor", { maxLr: 1, totalSteps: 10, divFactor: 0 }, RangeError],
    [
      "finalDivFactor",
      { maxLr: 1, totalSteps: 10, finalDivFactor: -1 },
      RangeError,
    ],
    [
      "annealStrategy",
      { maxLr: 1, totalSteps: 10, annealStrategy: "cosine" },
      TypeError,
    ],
    ["threePhase", { maxLr: 1, totalSteps: 10, threePhase: "yes" }, TypeError],
  ]],
  ["cosineRestarts", lib.cosineRestarts, {}, [
    ["peakLr", { peakLr: -1, firstCycle: 5 }, RangeError],
    ["minLr", { peakLr: 1, minLr: 2, firstCycle: 5 }, RangeError],
    ["firstCycle", { peakLr: 1, firstCycle: 0 }, RangeError],
    ["cycleMult", { peakLr: 1, firstCycle: 5, cycleMult: 1.5 }, RangeError],
    ["cycleMult", { peakLr: 1, firstCycle: 5, cycleMult: 0 }, RangeError],
  ]],
  ["constant", lib.constant, {}, [
    ["lr", { lr: -1 }, RangeError],
    ["lr", { lr: Infinity }, RangeError],
    ["lr", {}, TypeError],
    ["totalSteps", { lr: 1, totalSteps: 0 }, RangeError],
  ]],
  ["inverseSqrt", lib.inverseSqrt, {}, [
    ["peakLr", { peakLr: -1, warmupSteps: 5 }, RangeError],
    ["warmupSteps", { peakLr: 1, warmupSteps: -5 }, RangeError],
    ["timescale", { peakLr: 1, warmupSteps: 5, timescale: 0 }, RangeError],
  ]],
  ["chebyshev", lib.chebyshev, {}, [
    ["mu", { mu: 0, L: 1, totalSteps: 5 }, RangeError],
    ["mu", { mu: -1, L: 1, totalSteps: 5 }, RangeError],
    ["L", { mu: 1, L: Infinity, totalSteps: 5 }, RangeError],
    ["mu must not exceed L", { mu: 2, L: 1, totalSteps: 5 }, RangeError],
    ["totalSteps", { mu: 1, L: 2, totalSteps: 0 }, RangeError],
  ]],
];

for (const [name, factory, base, cases] of table) {
  Deno.test(`${name}() rejects each bad option with an error naming it`, async (t) => {
    for (const [option, options, ErrorClass] of cases) {
      const merged = { ...base, ...options };
      const shown = JSON.stringify(
        merged,
        (_, v) => typeof v === "number" && !Number.isFinite(v) ? String(v) : v,
      );
      await t.step(`${option} in ${shown}`, () => {
        assertThrowsWith(
          () => factory(merged as never),
          ErrorClass,
          `Cannot create ${name} schedule`,
          option,
        );
      });
    }
    assertThrowsWith(
      () => factory(undefined as never),
      TypeError,
      "options must be an object",
    );
  });
}

Deno.test("a schedule rejects negative, fractional and non-finite steps", () => {
  const s = lib.uba({ peakLr: 1, phi: 3, totalSteps: 10 });
  for (const step of [-1, 0.5, NaN, Infinity, -Infinity]) {
    assertThrowsWith(
      () => s(step),
      RangeError,
      "step must be an integer >= 0",
      String(step),
    );
  }
});

Deno.test("the combinators reject bad schedules, steps and boundaries", () => {
  const c = lib.constant({ lr: 1 });
  assertThrowsWith(
    () => lib.withWarmup(c, { steps: -1 }),
    RangeError,
    "steps",
    "-1",
  );
  assertThrowsWith(
    () => lib.withWarmup(c, { steps: 2, initLr: -1 }),
    RangeError,
    "initLr",
  );
  assertThrowsWith(
    () => lib.withWarmup(c, { steps: 2, kind: "cosine" as never }),
    TypeError,
    "kind",
  );
  assertThrowsWith(
    () => lib.withWarmup((() => 1) as never, { steps: 2 }),
    TypeError,
    "schedule",
  );
  assertThrowsWith(() => lib.join([], []), TypeError, "schedules");
  assertThrowsWith(() => lib.join([c, c], []), RangeError, "boundaries", "0");
  assertThrowsWith(
    () => lib.join([c, c, c], [5, 5]),
    RangeError,
    "strictly increasing",
  );
  assertThrowsWith(() => lib.join([c, c], [0]), RangeError, "boundaries[0]");
  assertThrowsWith(() => lib.stages([], () => c), TypeError, "budgets");
  assertThrowsWith(() => lib.stages([3, 0], () => c), RangeError, "budgets[1]");
  assertThrowsWith(
    () => lib.stages([3], () => lib.cosine({ peakLr: 1, totalSteps: 4 })),
    RangeError,
    "stage 0 must have totalSteps 3",
  );
  assertThrowsWith(() => lib.sample(c, -1), RangeError, "n", "-1");
  assertThrowsWith(() => lib.sample(c, 1.5), RangeError, "n", "1.5");
});
