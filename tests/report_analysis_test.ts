// The report's analysis on hand-made records whose statistics are worked out
// in the comments: best-peak choice, orientation of differences, verdicts,
// win/tie/loss counts, divergence at chance level and phi sensitivity.
import assert from "node:assert/strict";
import type { RunRecord } from "../lib/repro/types.ts";
import {
  choosePeaks,
  compareWithBaselines,
  effectiveMetric,
  phiSensitivity,
  reportMarkdown,
  scheduleResults,
  winTieLoss,
  writeReport,
} from "../lib/report/mod.ts";

interface Fields {
  schedule: string;
  peakLr: number;
  seed: number;
  metric: number | null;
  budget?: string;
  steps?: number;
  phi?: number;
  diverged?: boolean;
  higherIsBetter?: boolean;
}

let counter = 0;
function record(fields: Fields): RunRecord {
  const higherIsBetter = fields.higherIsBetter ?? true;
  const steps = fields.steps ?? 100;
  return {
    suite: "vision",
    profile: "cpu",
    task: "fashion-mnist",
    budget: fields.budget ?? "short",
    steps,
    schedule: fields.schedule,
    family: fields.schedule.startsWith("uba") ? "uba" : fields.schedule,
    ...(fields.phi === undefined ? {} : { phi: fields.phi }),
    peakLr: fields.peakLr,
    seed: fields.seed,
    metric: fields.metric,
    metricName: higherIsBetter ? "accuracy" : "validationLoss",
    higherIsBetter,
    bestMetric: fields.metric,
    chanceMetric: higherIsBetter ? 0.1 : 4.17,
    diverged: fields.diverged ?? false,
    configHash: `hash-${counter++}`,
    config: {
      schedule: fields.schedule === "cosine"
        ? { name: "cosine", options: { peakLr: fields.peakLr } }
        : {
          name: "uba",
          options: { peakLr: fields.peakLr, phi: fields.phi ?? 2.5 },
        },
    } as unknown as RunRecord["config"],
    wallMs: 1000,
    curve: [
      { step: steps / 2, loss: 1, evalLoss: 1, metric: 0.5, lr: fields.peakLr },
      {
        step: steps,
        loss: 0.5,
        evalLoss: 0.5,
        metric: fields.metric ?? NaN,
        lr: 0,
      },
    ],
    manifest: {
      gitCommit: "0123456789abcdef",
      gitDirty: false,
      deno: "2",
      v8: "1",
      typescript: "5",
      backend: "cpu",
      target: "x86_64",
      cpus: 2,
      startedAt: "",
      finishedAt: "",
      resumedFromStep: 0,
      parameterCount: 1,
    },
  };
}

function assertClose(actual: number, expected: number, tolerance = 1e-12) {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `expected ${expected}, got ${actual}`,
  );
}

// UBA beats cosine by 0.01, 0.02, 0.03 over three seeds at its best peak 0.1.
// At peak 0.2 UBA is worse, at 0.05 cosine is best for cosine.
const grid: RunRecord[] = [
  ...[0.80, 0.81, 0.82].map((metric, seed) =>
    record({ schedule: "uba", phi: 2.5, peakLr: 0.1, seed, metric })
  ),
  ...[0.70, 0.70, 0.70].map((metric, seed) =>
    record({ schedule: "uba", phi: 2.5, peakLr: 0.2, seed, metric })
  ),
  ...[0.79, 0.79, 0.79].map((metric, seed) =>
    record({ schedule: "cosine", peakLr: 0.05, seed, metric })
  ),
  ...[0.75, 0.75, 0.75].map((metric, seed) =>
    record({ schedule: "cosine", peakLr: 0.1, seed, metric })
  ),
];

Deno.test("choosePeaks() picks each schedule's best mean, or the shared peak", () => {
  const results = scheduleResults(grid);
  assert.equal(results.length, 4);
  const best = choosePeaks(results, "best");
  assert.deepEqual(
    best.map((r) => [r.schedule, r.peakLr]),
    [["uba", 0.1], ["cosine", 0.05]],
  );
  const shared = choosePeaks(results, "shared", { vision: 0.1 });
  assert.deepEqual(
    shared.map((r) => [r.schedule, r.peakLr]),
    [["uba", 0.1], ["cosine", 0.1]],
  );
});

Deno.test("compareWithBaselines() pairs seeds and tests the advantage", () => {
  const best = choosePeaks(scheduleResults(grid), "best");
  const [comparison] = compareWithBaselines(best);
  // d = [0.01, 0.02, 0.03]: mean 0.02, s = 0.01, t = 0.02 / (0.01 / sqrt 3)
  // = 2 sqrt 3, nu = 2: p = 1 - t / sqrt(2 + t^2) = 1 - sqrt(12 / 14).
  assert.equal(comparison.baseline.schedule, "cosine");
  assert.deepEqual(comparison.seeds, [0, 1, 2]);
  assertClose(comparison.meanAdvantage, 0.02);
  assertClose(comparison.tTest!.t, 2 * Math.sqrt(3), 1e-9);
  assertClose(comparison.tTest!.pValue, 1 - Math.sqrt(12 / 14), 1e-9);
  assert.equal(comparison.sign.positives, 3);
  assert.equal(comparison.sign.pValue, 0.25);
  assert.equal(comparison.verdict, "tie"); // p = 0.074 >= 0.05
  // At the shared peak UBA leads by 0.05, 0.06, 0.07: same s, t = 6 sqrt 3
  // (nu = 2, p = 1 - sqrt(108 / 110) = 0.0091): a win.
  const shared = choosePeaks(scheduleResults(grid), "shared", { vision: 0.1 });
  const [atShared] = compareWithBaselines(shared);
  assertClose(atShared.tTest!.pValue, 1 - Math.sqrt(108 / 110), 1e-9);
  assert.equal(atShared.verdict, "win");
});

Deno.test("compareWithBaselines() orients lower-is-better metrics", () => {
  const losses = [
    ...[1.0, 1.1, 1.2].map((metric, seed) =>
      record({
        schedule: "uba",
        peakLr: 1,
        seed,
        metric,
        higherIsBetter: false,
      })
    ),
    ...[2.0, 2.2, 2.4].map((metric, seed) =>
      record({
        schedule: "cosine",
        peakLr: 1,
        seed,
        metric,
        higherIsBetter: false,
      })
    ),
  ];
  const [comparison] = compareWithBaselines(
    choosePeaks(scheduleResults(losses), "best"),
  );
  // Cosine's loss is higher by 1.0, 1.1, 1.2: UBA is better by 1.1 on average,
  // t = 1.1 / (0.1 / sqrt 3) = 11 sqrt 3, p = 1 - sqrt(363 / 365) < 0.05.
  assertClose(comparison.meanAdvantage, 1.1, 1e-12);
  assertClose(comparison.tTest!.pValue, 1 - Math.sqrt(363 / 365), 1e-9);
  assert.equal(comparison.verdict, "win");
  const [row] = winTieLoss([comparison]);
  assert.deepEqual(
    [row.wins, row.ties, row.losses, row.seedWins, row.seedLosses],
    [1, 0, 0, 3, 0],
  );
});

Deno.test("a diverged run counts at chance level and loses", () => {
  const diverged = record({
    schedule: "cosine",
    peakLr: 1,
    seed: 0,
    metric: null,
    diverged: true,
  });
  assert.equal(effectiveMetric(diverged), 0.1);
  const runs = [
    record({ schedule: "uba", peakLr: 1, seed: 0, metric: 0.6 }),
    diverged,
  ];
  const results = scheduleResults(runs);
  assert.equal(results.find((r) => r.schedule === "cosine")!.diverged, 1);
  const [comparison] = compareWithBaselines(choosePeaks(results, "best"));
  assertClose(comparison.meanAdvantage, 0.5);
  assert.equal(comparison.tTest, undefined); // one seed: no test
  assert.equal(comparison.verdict, "tie");
});

Deno.test("phiSensitivity() finds the best phi and measures the guideline's distance", () => {
  const runs = [
    ...[0.80, 0.81].map((metric, seed) =>
      record({ schedule: "uba", phi: 1, peakLr: 0.1, seed, metric })
    ),
    ...[0.84, 0.86].map((metric, seed) =>
      record({ schedule: "uba(phi=4)", phi: 4, peakLr: 0.1, seed, metric })
    ),
    ...[0.82, 0.82].map((metric, seed) =>
      record({ schedule: "cosine", peakLr: 0.1, seed, metric })
    ),
    record({
      schedule: "uba(phi=8)",
      phi: 8,
      peakLr: 0.2,
      seed: 0,
      metric: 0.9,
    }),
  ];
  const [entry] = phiSensitivity(scheduleResults(runs), { vision: 0.1 });
  // phi = 8 ran at another peak and is left out; cosine enters as phi = 2.
  assert.deepEqual(entry.byPhi.map((p) => p.phi), [1, 2, 4]);
  assert.equal(entry.best.phi, 4);
  assert.equal(entry.guideline!.phi, 1);
  assert.equal(entry.doublingsApart, 2);
  // Guideline - best per seed: -0.04, -0.05: mean -0.045.
  assertClose(entry.guidelineVsBest!.meanDifference, -0.045);
});

Deno.test("reportMarkdown() and writeReport() produce tables and charts", async () => {
  const text = reportMarkdown(grid, "grid.jsonl");
  assert.match(text, /12 runs from grid\.jsonl: profile cpu, 3 seed\(s\)/);
  assert.match(text, /\| vision \| short \(100\) \| 0 \| 1 \| 0 \| 3\/0\/0 \|/);
  assert.match(text, /\*\*0\.8100 ± 0\.02484\*\* @0\.1/);
  const folder = await Deno.makeTempDir();
  try {
    const written = await writeReport(grid, folder, "grid.jsonl");
    assert.ok(written.includes(`${folder}/report.md`));
    const svg = await Deno.readTextFile(
      `${folder}/vision-fashion-mnist-curves.svg`,
    );
    assert.ok(svg.startsWith("<svg"));
    assert.ok(svg.includes("cosine"));
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});
