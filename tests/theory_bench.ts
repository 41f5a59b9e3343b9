// Cost of the theory calculators at the sizes the documentation promises.

import {
  chebyshev,
  predictQuadraticLoss,
  recommendPhi,
  uba,
  worstCaseContraction,
} from "../lib/mod.ts";

const totalSteps = 100_000;
const eigenvalues = Array.from(
  { length: 1000 },
  (_, k) => 1e-3 * 1e3 ** (k / 999),
);
const schedule = uba({ peakLr: 1, minLr: 1e-3, phi: 20, totalSteps });

Deno.bench("predictQuadraticLoss, T = 100,000, 1,000 eigenvalues", () => {
  predictQuadraticLoss(schedule, { eigenvalues, noise: 1e-4 });
});

Deno.bench("worstCaseContraction, chebyshev, T = 100,000, kappa = 1e6", () => {
  const range = { mu: 1, L: 1e6, totalSteps };
  worstCaseContraction(chebyshev(range), range);
});

Deno.bench("recommendPhi, kappa = 1e3, T = 10,000", () => {
  recommendPhi({ kappa: 1e3, totalSteps: 10_000, noise: 1e-4 });
});
