/**
 * A training run on a noisy quadratic: the cheapest real optimisation
 * problem on which schedules can be compared, and the one on which UBA's
 * formula is derived. It follows the same contract as `trainRun` in
 * lib/train (config in, progress events out, checkpoints, abort), so the
 * runner treats both alike.
 *
 * @module
 */
import type { CurvePoint, RunResult, TrainRunOptions } from "../train/types.ts";
import { Random } from "../data/random.ts";
import {
  requireInteger,
  requireNonNegative,
  requireOrdered,
  requirePositive,
} from "../_validate.ts";
import { canonicalJson } from "./config_hash.ts";
import { scheduleFromSpec } from "./schedule_spec.ts";
import type { QuadraticConfig } from "./types.ts";

/** Name of the checkpoint file inside the checkpoint folder. */
const CHECKPOINT_FILE = "quadratic-checkpoint.json";

/** A loss above this counts as divergence, like a non-finite one. */
const DIVERGENCE_THRESHOLD = 1e30;

interface Checkpoint {
  config: string;
  step: number;
  position: number[];
  velocity: number[];
  random: number[];
  curve: CurvePoint[];
  lossSum: number;
  lossCount: number;
}

/**
 * The curvatures `lambda_i = mu (L / mu)^(i / (d - 1))`, `i = 0 .. d - 1`
 * (a single coordinate gets `L`).
 *
 * @param config The quadratic's dimension and curvature range.
 * @returns The `d` eigenvalues, increasing.
 */
export function quadraticCurvatures(
  config: Pick<QuadraticConfig, "dimension" | "mu" | "L">,
): Float64Array {
  const { dimension, mu, L } = config;
  const values = new Float64Array(dimension);
  for (let i = 0; i < dimension; i++) {
    values[i] = dimension === 1 ? L : mu * (L / mu) ** (i / (dimension - 1));
  }
  return values;
}

/**
 * The expected objective at a standard-normal starting point,
 * `E f(x_0) = 1/2 sum_i lambda_i`: the value of a run that learned nothing.
 *
 * @param config The quadratic's dimension and curvature range.
 * @returns `1/2 sum_i lambda_i`.
 */
export function quadraticChanceLoss(
  config: Pick<QuadraticConfig, "dimension" | "mu" | "L">,
): number {
  return quadraticCurvatures(config).reduce((sum, v) => sum + v, 0) / 2;
}

function objective(curvatures: Float64Array, position: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < position.length; i++) {
    sum += curvatures[i] * position[i] * position[i];
  }
  return sum / 2;
}

async function readCheckpoint(
  path: string,
  config: string,
): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const checkpoint = JSON.parse(text) as Checkpoint;
  return checkpoint.config === config ? checkpoint : undefined;
}

async function writeCheckpoint(path: string, checkpoint: Checkpoint) {
  // Write beside, then rename: a kill mid-write leaves the old checkpoint.
  const partial = `${path}.partial`;
  await Deno.writeTextFile(partial, JSON.stringify(checkpoint));
  await Deno.rename(partial, path);
}

/**
 * Trains SGD (with optional heavy-ball momentum) on the noisy quadratic of
 * {@linkcode QuadraticConfig} under the config's schedule.
 *
 * ```text
 * g_t = lambda * x_t + noise * xi_t          (elementwise, xi_t ~ N(0, I))
 * v_t = momentum * v_(t-1) + g_t
 * x_(t+1) = x_t - lr(t) * v_t
 * metric  = f(x) = 1/2 sum_i lambda_i x_i^2  (lower is better)
 * ```
 *
 * The run is a pure function of its config: the start `x_0 ~ N(0, I)` and
 * the noise come from one generator seeded with `seed`, whose state is
 * checkpointed, so a resumed run ends exactly where an uninterrupted one
 * does.
 *
 * @param config The run.
 * @param options Progress callback, checkpoint folder and abort signal.
 * @returns The run's result, in the same shape as lib/train's.
 * @throws {RangeError} If a size is not a positive integer, `mu > L`, or a
 * rate option is invalid for its schedule.
 *
 * @example A short run with the cosine schedule improves on the start
 * ```ts
 * import { trainQuadratic } from "./quadratic.ts";
 *
 * const result = await trainQuadratic({
 *   task: "quadratic", dimension: 10, mu: 0.1, L: 1, noise: 0.01,
 *   schedule: { name: "cosine", options: { peakLr: 1 } },
 *   steps: 50, evalEvery: 10, seed: 1,
 * });
 * if (!(result.finalMetric < result.curve[0].metric)) throw new Error("no progress");
 * ```
 */
export async function trainQuadratic(
  config: QuadraticConfig,
  options: TrainRunOptions = {},
): Promise<RunResult> {
  const action = "train on a quadratic";
  requireInteger(action, "dimension", config.dimension, 1);
  requirePositive(action, "mu", config.mu);
  requirePositive(action, "L", config.L);
  requireOrdered(action, "mu", config.mu, "L", config.L);
  requireNonNegative(action, "noise", config.noise);
  requireInteger(action, "steps", config.steps, 1);
  requireInteger(action, "evalEvery", config.evalEvery, 1);
  const momentum = config.momentum ?? 0;
  requireNonNegative(action, "momentum", momentum);
  const checkpointEvery = config.checkpointEvery ?? config.evalEvery;
  requireInteger(action, "checkpointEvery", checkpointEvery, 1);
  const stepDelayMs = config.stepDelayMs ?? 0;
  requireNonNegative(action, "stepDelayMs", stepDelayMs);
  const schedule = scheduleFromSpec(config.schedule, config.steps);
  const started = performance.now();

  // Start from x_0 ~ N(0, I), or from the checkpoint of this same config.
  const curvatures = quadraticCurvatures(config);
  const random = new Random(config.seed ?? 0);
  const position = new Float64Array(config.dimension);
  for (let i = 0; i < position.length; i++) position[i] = random.normal();
  const velocity = new Float64Array(config.dimension);
  let curve: CurvePoint[] = [];
  let step = 0;
  let lossSum = 0;
  let lossCount = 0;
  const identity = canonicalJson(config);
  const checkpointPath = options.checkpointDir === undefined
    ? undefined
    : `${options.checkpointDir}/${CHECKPOINT_FILE}`;
  if (checkpointPath !== undefined) {
    await Deno.mkdir(options.checkpointDir!, { recursive: true });
    const saved = await readCheckpoint(checkpointPath, identity);
    if (saved !== undefined) {
      position.set(saved.position);
      velocity.set(saved.velocity);
      random.setState(saved.random);
      ({ step, curve, lossSum, lossCount } = saved);
    }
  }
  const resumedFromStep = step;

  const finish = (
    fields: Pick<RunResult, "diverged" | "aborted"> & { at?: number },
  ): RunResult => {
    const metrics = curve.map((point) => point.metric);
    const last = curve.at(-1);
    return {
      finalMetric: fields.diverged || last === undefined ? NaN : last.metric,
      bestMetric: metrics.length === 0 ? NaN : Math.min(...metrics),
      metricName: "validationLoss",
      higherIsBetter: false,
      curve,
      diverged: fields.diverged,
      divergedAtStep: fields.at,
      aborted: fields.aborted,
      wallMs: performance.now() - started,
      steps: step,
      resumedFromStep,
      parameterCount: config.dimension,
      backend: "js",
    };
  };

  while (step < config.steps) {
    if (options.signal?.aborted) {
      return finish({ diverged: false, aborted: true });
    }

    // Set the rate, then take one noisy (heavy-ball) gradient step.
    const lr = schedule(step);
    const loss = objective(curvatures, position);
    for (let i = 0; i < position.length; i++) {
      const gradient = curvatures[i] * position[i] +
        config.noise * random.normal();
      velocity[i] = momentum * velocity[i] + gradient;
      position[i] -= lr * velocity[i];
    }
    step++;
    lossSum += loss;
    lossCount++;

    // Stop on divergence.
    const after = objective(curvatures, position);
    if (!Number.isFinite(after) || after > DIVERGENCE_THRESHOLD) {
      options.onProgress?.({ type: "diverged", step, loss: after, lr });
      return finish({ diverged: true, aborted: false, at: step });
    }
    const elapsed = performance.now() - started;
    const msPerStep = elapsed / (step - resumedFromStep);
    options.onProgress?.({
      type: "step",
      step,
      totalSteps: config.steps,
      loss,
      lr,
      msPerStep,
      etaMs: msPerStep * (config.steps - step),
    });

    // Evaluate the exact objective.
    if (step % config.evalEvery === 0 || step === config.steps) {
      const point: CurvePoint = {
        step,
        loss: lossSum / lossCount,
        evalLoss: after,
        metric: after,
        lr,
      };
      curve.push(point);
      lossSum = 0;
      lossCount = 0;
      options.onProgress?.({
        type: "eval",
        ...point,
        totalSteps: config.steps,
        msPerStep,
        metricName: "validationLoss",
      });
    }

    // Checkpoint, including after the last step.
    if (
      checkpointPath !== undefined &&
      (step % checkpointEvery === 0 || step === config.steps)
    ) {
      await writeCheckpoint(checkpointPath, {
        config: identity,
        step,
        position: Array.from(position),
        velocity: Array.from(velocity),
        // Unsigned words: getState() may return the first one signed.
        random: random.getState().map((word) => word >>> 0),
        curve,
        lossSum,
        lossCount,
      });
      options.onProgress?.({ type: "checkpoint", step, path: checkpointPath });
    }

    if (stepDelayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, stepDelayMs));
    }
  }
  return finish({ diverged: false, aborted: false });
}
