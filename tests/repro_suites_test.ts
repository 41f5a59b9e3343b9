// The grid of the comparison is fair and complete: every schedule gets the
// same peak rates at every budget and seed, every schedule's rate actually
// reaches the peak it is credited with, and the profiles meet their promises
// (smoke: every schedule and both suites; cpu: at least three seeds).
import assert from "node:assert/strict";
import {
  BASELINES,
  expandSuite,
  guidelinePhi,
  PLANS,
  PROFILES,
  scheduleSpecFor,
  SUITES,
} from "../lib/repro/suites.ts";
import { scheduleFromSpec } from "../lib/repro/schedule_spec.ts";
import { loadOrRun } from "../lib/repro/load_or_run.ts";
import { readResults } from "../lib/repro/results_file.ts";

Deno.test("expandSuite() gives every schedule every peak at every budget and seed", () => {
  for (const suite of SUITES) {
    for (const profile of PROFILES) {
      const plan = PLANS[suite][profile];
      const specs = expandSuite(suite, profile);
      const budgets = Object.keys(plan.budgets);
      const tasks = plan.tasks.map((t) => t.task);
      for (
        const [task, budget] of tasks.flatMap((t) => budgets.map((b) => [t, b]))
      ) {
        for (let seed = 0; seed < plan.seeds; seed++) {
          for (const schedule of ["uba", ...BASELINES]) {
            const peaks = specs.filter((s) =>
              s.task === task && s.budget === budget && s.seed === seed &&
              s.schedule === schedule
            ).map((s) => s.peakLr).sort((a, b) => a - b);
            assert.deepEqual(
              peaks,
              [...plan.peakLrs].sort((a, b) => a - b),
              `${suite} ${profile} ${task} ${budget} ${seed} ${schedule}`,
            );
          }
        }
      }
      const hashes = new Set(specs.map((s) => s.configHash));
      assert.equal(hashes.size, specs.length, "every run is distinct");
    }
  }
});

Deno.test("expandSuite() runs the phi grid at the shared peak, and UBA at the guideline's phi", () => {
  const specs = expandSuite("vision", "cpu");
  const plan = PLANS.vision.cpu;
  const grid = specs.filter((s) => s.phiSource === "grid");
  assert.ok(grid.every((s) => s.peakLr === plan.sharedPeakLr));
  assert.deepEqual(
    [...new Set(grid.map((s) => s.phi))].sort((a, b) => a! - b!),
    [...plan.phiGrid],
  );
  for (const spec of specs.filter((s) => s.schedule === "uba")) {
    assert.equal(
      spec.phi,
      guidelinePhi("vision", "cpu", spec.config.steps).phi,
    );
  }
  // (8 schedules x 3 peaks + 4 phi values) x 3 budgets x 3 seeds.
  assert.equal(specs.length, 28 * 3 * 3);
});

Deno.test("every schedule of the comparison reaches exactly its peak rate", () => {
  for (const steps of [30, 120, 1000]) {
    for (const label of ["uba", ...BASELINES]) {
      const peakLr = 0.1;
      const spec = scheduleSpecFor(label, peakLr, steps, 3, 0.5);
      const schedule = scheduleFromSpec(spec, steps);
      let highest = 0;
      for (let t = 0; t <= steps; t++) highest = Math.max(highest, schedule(t));
      assert.ok(
        Math.abs(highest - peakLr) < 1e-12,
        `${label} at ${steps} steps peaks at ${highest}`,
      );
    }
  }
});

Deno.test("the profiles keep their promises", () => {
  for (const suite of ["vision", "language"] as const) {
    const smoke = expandSuite(suite, "smoke");
    const labels = new Set(smoke.map((s) => s.schedule));
    for (const label of ["uba", ...BASELINES]) assert.ok(labels.has(label));
    assert.ok(PLANS[suite].cpu.seeds >= 3);
    assert.ok(PLANS[suite].paper.seeds >= 3);
    assert.ok(Object.keys(PLANS[suite].cpu.budgets).length >= 3);
  }
});

Deno.test("scheduleSpecFor() rejects an unknown label", () => {
  assert.throws(() => scheduleSpecFor("warmup", 1, 10, 0), {
    name: "TypeError",
    message:
      'Cannot build a schedule spec as label must be one of "uba", "cosine", "linear", "step", "oneCycle", "wsd", "rex", "constant": current value is "warmup"',
  });
});

Deno.test("loadOrRun() runs only what is missing, and with if-empty only when nothing exists", async () => {
  const folder = await Deno.makeTempDir();
  try {
    const out = `${folder}/smoke.jsonl`;
    const first = await loadOrRun("quadratic", "smoke", { out, jobs: 2 });
    assert.equal(first.records.length, first.total);
    assert.equal(first.ran?.finished, first.total);
    // Drop the last five lines: "if-empty" returns what is there,
    // "missing" runs exactly those five.
    const lines = (await Deno.readTextFile(out)).trimEnd().split("\n");
    await Deno.writeTextFile(out, lines.slice(0, -5).join("\n") + "\n");
    const partial = await loadOrRun("quadratic", "smoke", {
      out,
      run: "if-empty",
    });
    assert.equal(partial.missing, 5);
    assert.equal(partial.ran, undefined);
    const completed = await loadOrRun("quadratic", "smoke", { out, jobs: 2 });
    assert.equal(completed.ran?.finished, 5);
    assert.equal(completed.missing, 0);
    assert.equal((await readResults(out)).records.length, first.total);
    // The records came back in grid order with the same metrics.
    assert.deepEqual(
      completed.records.map((r) => r.metric),
      first.records.map((r) => r.metric),
    );
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});
