// Throughput of schedule evaluation. Each iteration evaluates one million
// steps, so evaluations per second = 1e6 / (time per iteration in seconds).

import { cosine, oneCycle, uba, wsd } from "../lib/mod.ts";

const STEPS = 1_000_000;

function evaluate(schedule: (step: number) => number): number {
  let sum = 0;
  for (let t = 0; t < STEPS; t++) sum += schedule(t);
  return sum;
}

const budget = {
  peakLr: 0.1,
  minLr: 1e-4,
  totalSteps: STEPS,
  warmupSteps: 1000,
};

Deno.bench(
  "uba: 1e6 evaluations",
  { group: "schedules", baseline: true },
  () => {
    evaluate(uba({ ...budget, phi: 5 }));
  },
);
Deno.bench("cosine: 1e6 evaluations", { group: "schedules" }, () => {
  evaluate(cosine(budget));
});
Deno.bench("wsd: 1e6 evaluations", { group: "schedules" }, () => {
  evaluate(wsd({ ...budget, decaySteps: STEPS / 5 }));
});
Deno.bench("oneCycle: 1e6 evaluations", { group: "schedules" }, () => {
  evaluate(oneCycle({ maxLr: 0.1, totalSteps: STEPS }));
});
