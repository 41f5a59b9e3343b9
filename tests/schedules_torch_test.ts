// Cross-checks the PyTorch-equivalent families against PyTorch itself
// (Debian's python3-torch), stepping each scheduler once per step.

import {
  cosine,
  cosineRestarts,
  exponential,
  multiStep,
  oneCycle,
  polynomial,
  type Schedule,
  stepDecay,
} from "../lib/mod.ts";
import { assertClose } from "./_assert.ts";

interface Case {
  schedule: Schedule;
  scheduler: string;
  lr: number;
  args: Record<string, unknown>;
  steps: number;
}

const PYTHON = "/usr/bin/python3";
const ORACLE = new URL("./oracles/torch_schedules.py", import.meta.url);

const cases: Case[] = [
  {
    schedule: cosine({ peakLr: 0.1, minLr: 0.001, totalSteps: 37 }),
    scheduler: "CosineAnnealingLR",
    lr: 0.1,
    args: { T_max: 37, eta_min: 0.001 },
    steps: 38,
  },
  {
    schedule: stepDecay({ peakLr: 0.5, stepSize: 7, gamma: 0.3 }),
    scheduler: "StepLR",
    lr: 0.5,
    args: { step_size: 7, gamma: 0.3 },
    steps: 40,
  },
  {
    schedule: multiStep({ peakLr: 1, milestones: [3, 10, 11, 30] }),
    scheduler: "MultiStepLR",
    lr: 1,
    args: { milestones: [3, 10, 11, 30], gamma: 0.1 },
    steps: 40,
  },
  {
    schedule: exponential({ peakLr: 0.2, gamma: 0.95 }),
    scheduler: "ExponentialLR",
    lr: 0.2,
    args: { gamma: 0.95 },
    steps: 60,
  },
  {
    schedule: polynomial({ peakLr: 0.3, totalSteps: 25, power: 1.7 }),
    scheduler: "PolynomialLR",
    lr: 0.3,
    args: { total_iters: 25, power: 1.7 },
    steps: 30,
  },
  ...[false, true].flatMap((threePhase) =>
    (["cos", "linear"] as const).map((annealStrategy) => ({
      schedule: oneCycle({
        maxLr: 0.8,
        totalSteps: 53,
        pctStart: 0.27,
        divFactor: 10,
        finalDivFactor: 100,
        annealStrategy,
        threePhase,
      }),
      scheduler: "OneCycleLR",
      lr: 0.8,
      args: {
        max_lr: 0.8,
        total_steps: 53,
        pct_start: 0.27,
        div_factor: 10,
        final_div_factor: 100,
        anneal_strategy: annealStrategy,
        three_phase: threePhase,
        cycle_momentum: false,
      },
      steps: 53,
    }))
  ),
  ...[1, 2, 3].map((cycleMult) => ({
    schedule: cosineRestarts({
      peakLr: 0.4,
      minLr: 0.01,
      firstCycle: 5,
      cycleMult,
    }),
    scheduler: "CosineAnnealingWarmRestarts",
    lr: 0.4,
    args: { T_0: 5, T_mult: cycleMult, eta_min: 0.01 },
    steps: 160,
  })),
];

async function torchRates(): Promise<number[][]> {
  const probe = await new Deno.Command(PYTHON, {
    args: ["-c", "import torch"],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => ({ success: false }));
  if (!probe.success) {
    throw new Error(
      `This test needs PyTorch as its oracle: ${PYTHON} cannot import torch. ` +
        "Install it with `apt-get install python3-torch` (.ci/run does).",
    );
  }
  const child = new Deno.Command(PYTHON, {
    args: [ORACLE.pathname],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { PYTHONWARNINGS: "ignore" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(cases)));
  await writer.close();
  const { success, stdout, stderr } = await child.output();
  if (!success) throw new Error(new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout));
}

Deno.test("the PyTorch-equivalent families match PyTorch's schedulers step by step", async (t) => {
  const expected = await torchRates();
  for (const [i, { schedule, scheduler, args }] of cases.entries()) {
    await t.step(
      `${schedule.name} = ${scheduler}(${JSON.stringify(args)})`,
      () => {
        expected[i].forEach((rate, step) =>
          assertClose(schedule(step), rate, 1e-12, `step ${step}: `)
        );
      },
    );
  }
});
