// Property tests over thousands of random valid configurations per family.

import fc from "fast-check";
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
  type Schedule,
  stages,
  stepDecay,
  uba,
  withWarmup,
  wsd,
} from "../lib/mod.ts";
import { assert, assertClose } from "./_assert.ts";

const RUNS = { numRuns: 2000, seed: 20251203 };

const rate = fc.double({ min: 1e-6, max: 10, noNaN: true });
const phi = fc.double({ min: 1e-3, max: 1e3, noNaN: true });

/** A valid common configuration of the warmup-then-decay families. */
const decayConfig = fc
  .record({
    peakLr: rate,
    floorShare: fc.double({ min: 0, max: 1, noNaN: true }),
    totalSteps: fc.integer({ min: 1, max: 100_000 }),
    warmupShare: fc.double({ min: 0, max: 0.99, noNaN: true }),
    initShare: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ peakLr, floorShare, totalSteps, warmupShare, initShare }) => ({
    peakLr,
    minLr: peakLr * floorShare,
    totalSteps,
    warmupSteps: Math.min(totalSteps - 1, Math.floor(warmupShare * totalSteps)),
    warmupInitLr: peakLr * initShare,
  }));

type DecayConfig = {
  peakLr: number;
  minLr: number;
  totalSteps: number;
  warmupSteps: number;
  warmupInitLr: number;
};

const decayFamilies: Record<string, (c: DecayConfig, phi: number) => Schedule> =
  {
    uba: (c, p) => uba({ ...c, phi: p }),
    cosine: (c) => cosine(c),
    linear: (c) => linear(c),
    rex: (c) => rex(c),
    wsd: (c) =>
      wsd({
        ...c,
        decaySteps: Math.max(1, Math.ceil((c.totalSteps - c.warmupSteps) / 3)),
      }),
  };

/** Steps spread over the whole budget and past it. */
function probeSteps(total: number, extra: number[]): number[] {
  const steps = new Set([0, total, total + 1, 2 * total + 7, ...extra]);
  for (let k = 1; k < 16; k++) steps.add(Math.floor((k * total) / 16));
  return [...steps].filter((s) => s >= 0).sort((a, b) => a - b);
}

/** Asserts finite, non-negative rates that never increase over `steps`. */
function assertNonIncreasing(schedule: Schedule, steps: number[]) {
  let previous = Infinity;
  for (const step of steps) {
    const value = schedule(step);
    assert.ok(
      Number.isFinite(value) && value >= 0,
      `${schedule.name}(${step}) = ${value}`,
    );
    assert.ok(
      value <= previous * (1 + 1e-12) + 1e-300,
      `${schedule.name} increased at step ${step}: ${previous} -> ${value}`,
    );
    previous = value;
  }
}

for (const [family, make] of Object.entries(decayFamilies)) {
  Deno.test(`${family}() hits its boundary values and never increases after warmup`, () => {
    fc.assert(
      fc.property(decayConfig, phi, fc.nat(), (config, p, salt) => {
        const s = make(config, p);
        const { peakLr, minLr, totalSteps: T, warmupSteps: W, warmupInitLr } =
          config;
        assert.equal(s.totalSteps, T);
        assertClose(s(W), peakLr, 1e-12, "at the end of warmup: ");
        assertClose(s(T), minLr, 1e-12, "at totalSteps: ");
        assert.equal(s(T + 1 + (salt % 1000)), s(T), "past totalSteps");
        if (W > 0) assertClose(s(0), warmupInitLr, 1e-12, "at step 0: ");
        const after = probeSteps(T, [W + (salt % (T - W + 1))]).filter((t) =>
          t >= W
        );
        assertNonIncreasing(s, after);
        if (W > 0 && warmupInitLr <= peakLr) {
          const before = probeSteps(W, []).filter((t) => t <= W).reverse();
          assertNonIncreasing(s, before);
        }
      }),
      RUNS,
    );
  });
}

Deno.test("uba() with phi = 2 equals cosine() within 1e-12", () => {
  fc.assert(
    fc.property(decayConfig, fc.nat(), (config, salt) => {
      const a = uba({ ...config, phi: 2 });
      const b = cosine(config);
      for (
        const t of probeSteps(config.totalSteps, [
          salt % (config.totalSteps + 1),
        ])
      ) {
        assertClose(a(t), b(t), 1e-12, `step ${t}: `);
      }
    }),
    RUNS,
  );
});

Deno.test("uba() approaches a constant rate before the very end as phi -> 0", () => {
  // 1 - factor = φ(2 - u) / (2φ + (2 - φ)u) <= φ(2 - u) / ((2 - φ)u), so for
  // p <= 0.9 (u >= 1 + cos(0.9π)) the gap to the peak shrinks linearly in φ.
  const uMin = 1 + Math.cos(0.9 * Math.PI);
  fc.assert(
    fc.property(
      fc.integer({ min: 10, max: 10_000 }),
      fc.double({ min: 0, max: 0.9, noNaN: true }),
      (totalSteps, p) => {
        const t = Math.floor(p * totalSteps);
        let previousGap = Infinity;
        for (const smallPhi of [1e-1, 1e-3, 1e-6, 1e-9]) {
          const gap = 1 - uba({ peakLr: 1, phi: smallPhi, totalSteps })(t);
          assert.ok(gap >= -1e-15 && gap <= previousGap + 1e-15);
          assert.ok(gap <= (smallPhi * 2) / ((2 - smallPhi) * uMin) + 1e-15);
          previousGap = gap;
        }
      },
    ),
    RUNS,
  );
});

Deno.test("uba() decays earlier as phi grows", () => {
  fc.assert(
    fc.property(decayConfig, phi, phi, (config, a, b) => {
      const [small, large] = a < b ? [a, b] : [b, a];
      const lo = uba({ ...config, phi: small });
      const hi = uba({ ...config, phi: large });
      for (const t of probeSteps(config.totalSteps, [])) {
        assert.ok(hi(t) <= lo(t) * (1 + 1e-12) + 1e-300, `step ${t}`);
      }
    }),
    RUNS,
  );
});

Deno.test("uba() with phi = 2L/mu, peak 1/mu and floor 1/L gives the Chebyshev steps", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 1e-3, max: 10, noNaN: true }),
      fc.double({ min: 1, max: 1e4, noNaN: true }),
      fc.integer({ min: 1, max: 500 }),
      (mu, kappa, T) => {
        const L = mu * kappa;
        const steps = chebyshev({ mu, L, totalSteps: T });
        const normalised = uba({
          peakLr: 1 / mu,
          minLr: 1 / L,
          phi: (2 * L) / mu,
          totalSteps: 2 * T,
        });
        for (const t of [0, Math.floor(T / 3), Math.floor(T / 2), T - 1]) {
          assertClose(normalised(2 * t + 1), steps(t), 1e-10, `t=${t}: `);
        }
      },
    ),
    { ...RUNS, numRuns: 1000 },
  );
});

Deno.test("every family returns finite, non-negative rates at any valid step", () => {
  const step = fc.oneof(
    fc.nat(1000),
    fc.nat(),
    fc.constant(Number.MAX_SAFE_INTEGER),
  );
  const gamma = fc.double({ min: 1e-6, max: 1, noNaN: true });
  const makers = fc.oneof(
    fc.record({
      peakLr: rate,
      stepSize: fc.integer({ min: 1, max: 1000 }),
      gamma,
    })
      .map((o) => stepDecay(o)),
    fc.record({
      peakLr: rate,
      milestones: fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), {
        maxLength: 8,
      })
        .map((m) => m.sort((a, b) => a - b)),
      gamma,
    }).map((o) => multiStep(o)),
    fc.record({ peakLr: rate, gamma }).map((o) => exponential(o)),
    fc.record({
      peakLr: rate,
      totalSteps: fc.integer({ min: 1, max: 10_000 }),
      power: fc.double({ min: 0.01, max: 10, noNaN: true }),
    }).map((o) => polynomial(o)),
    fc.record({
      maxLr: rate,
      totalSteps: fc.integer({ min: 100, max: 10_000 }),
      pctStart: fc.double({ min: 0.05, max: 0.45, noNaN: true }),
      annealStrategy: fc.constantFrom("cos" as const, "linear" as const),
      threePhase: fc.boolean(),
    }).map((o) => oneCycle(o)),
    fc.record({
      peakLr: rate,
      firstCycle: fc.integer({ min: 1, max: 1000 }),
      cycleMult: fc.integer({ min: 1, max: 4 }),
    }).map((o) => cosineRestarts(o)),
    fc.record({ lr: rate }).map((o) => constant(o)),
    fc.record({ peakLr: rate, warmupSteps: fc.nat(1000) }).map((o) =>
      inverseSqrt(o)
    ),
    fc.record({
      mu: fc.double({ min: 1e-6, max: 1, noNaN: true }),
      kappa: fc.double({ min: 1, max: 1e8, noNaN: true }),
      totalSteps: fc.integer({ min: 1, max: 10_000 }),
    }).map(({ mu, kappa, totalSteps }) =>
      chebyshev({ mu, L: mu * kappa, totalSteps })
    ),
    fc.tuple(decayConfig, phi).map(([c, p]) => uba({ ...c, phi: p })),
  );
  fc.assert(
    fc.property(
      makers,
      fc.array(step, { minLength: 1, maxLength: 8 }),
      (s, steps) => {
        for (const t of steps) {
          const value = s(t);
          assert.ok(
            Number.isFinite(value) && value >= 0,
            `${s.name}(${t}) = ${value}`,
          );
          assert.equal(
            s(t),
            value,
            "a schedule must be a pure function of the step",
          );
        }
      },
    ),
    RUNS,
  );
});

Deno.test("oneCycle() peaks at maxLr and ends at maxLr / (divFactor * finalDivFactor)", () => {
  fc.assert(
    fc.property(
      rate,
      fc.integer({ min: 10, max: 5000 }),
      fc.integer({ min: 1, max: 9 }),
      fc.boolean(),
      (maxLr, tenths, k, threePhase) => {
        const totalSteps = tenths * 20;
        const pctStart = k / (threePhase ? 20 : 10);
        const s = oneCycle({ maxLr, totalSteps, pctStart, threePhase });
        const peakStep = Math.round(pctStart * totalSteps) - 1;
        assertClose(s(peakStep), maxLr, 1e-12, "at the peak: ");
        assertClose(s(0), maxLr / 25, 1e-12, "at step 0: ");
        assertClose(
          s(totalSteps - 1),
          maxLr / 25e4,
          1e-12,
          "at the last step: ",
        );
        assert.equal(s(totalSteps + 5), s(totalSteps - 1));
      },
    ),
    RUNS,
  );
});

Deno.test("withWarmup() and join() are exact at their boundaries", () => {
  fc.assert(
    fc.property(
      decayConfig,
      phi,
      fc.integer({ min: 1, max: 1000 }),
      rate,
      (c, p, W, init) => {
        const inner = uba({ ...c, phi: p });
        const warmed = withWarmup(inner, { steps: W, initLr: init });
        assert.equal(warmed(0), init);
        assert.equal(warmed(W), inner(0));
        assert.equal(warmed(W + 3), inner(3));
        assert.equal(warmed.totalSteps, c.totalSteps + W);

        const tail = constant({ lr: init });
        const joined = join([inner, tail], [c.totalSteps]);
        assert.equal(joined(c.totalSteps - 1), inner(c.totalSteps - 1));
        assert.equal(joined(c.totalSteps), init);
      },
    ),
    RUNS,
  );
});

Deno.test("stages() restarts its schedule at every stage boundary", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 500 }), {
        minLength: 1,
        maxLength: 6,
      }),
      rate,
      phi,
      (budgets, peakLr, p) => {
        const s = stages(
          budgets,
          (totalSteps, k) =>
            uba({ peakLr: peakLr / (k + 1), phi: p, totalSteps }),
        );
        let start = 0;
        budgets.forEach((budget, k) => {
          assert.equal(
            s(start),
            peakLr / (k + 1),
            `stage ${k} starts at its peak`,
          );
          const piece = uba({
            peakLr: peakLr / (k + 1),
            phi: p,
            totalSteps: budget,
          });
          assert.equal(s(start + budget - 1), piece(budget - 1));
          start += budget;
        });
        assert.equal(s.totalSteps, start);
      },
    ),
    RUNS,
  );
});
