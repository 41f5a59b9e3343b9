// Times one full training step (forward, backward, AdamW update) of a small
// ResNet and a small OLMo-style transformer on each tfjs backend, and the
// same two models in PyTorch (tests/bench/torch_step.py) in the same run.
//
//   deno task bench:train [--backends=wasm,webgpu,cpu] [--models=resnet,olmo]
//     [--steps=N] [--warmup=N] [--profile] [--torch-threads=N]
//
// The default backends are wasm and webgpu; the JavaScript cpu backend takes
// minutes per step at these sizes and runs only when asked for.
//
// Prints one line per model and backend:
//   bench <model> <backend>: <ms> ms/step, pytorch <ms> ms/step, ratio <r>
// with the medians over the timed steps after warm-up. PyTorch runs in a
// second process that takes one step after each tfjs step, so that both
// see the same load on a shared machine. --profile adds the per-kernel
// times of one step (tf.profile) for each model and backend.

import * as tf from "@tensorflow/tfjs-core";
import { parseArgs } from "node:util";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { type BackendName, useBackend } from "../../lib/engine/backend.ts";
import { adamw } from "../../lib/engine/optimizers.ts";
import { createResNet } from "../../lib/models/resnet.ts";
import { createOlmo } from "../../lib/models/olmo.ts";
import type { Model } from "../../lib/models/model.ts";

// The benchmark sizes, shared with torch_step.py.
const sizes = {
  resnet: {
    blocks: [2, 2, 2, 2],
    width: 16,
    classes: 10,
    batch: 128,
    size: 32,
  },
  olmo: { vocab: 65, dim: 128, layers: 4, heads: 4, context: 128, batch: 32 },
};

// Steps per backend: webgpu on a software adapter and the JavaScript cpu
// backend take seconds to minutes per step.
const defaultSteps: Record<BackendName, { warmup: number; steps: number }> = {
  wasm: { warmup: 2, steps: 5 },
  webgpu: { warmup: 1, steps: 2 },
  cpu: { warmup: 0, steps: 1 },
};

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    backends: { type: "string", default: "wasm,webgpu" },
    models: { type: "string", default: "resnet,olmo" },
    steps: { type: "string" },
    warmup: { type: "string" },
    profile: { type: "boolean", default: false },
    "torch-threads": { type: "string" },
  },
});
const backends = flags.backends!.split(",") as BackendName[];
const models = flags.models!.split(",") as ("resnet" | "olmo")[];

function build(kind: "resnet" | "olmo"): Model {
  if (kind === "resnet") {
    const r = sizes.resnet;
    return createResNet({
      blocks: r.blocks,
      width: r.width,
      classes: r.classes,
    });
  }
  const o = sizes.olmo;
  return createOlmo({
    vocabularySize: o.vocab,
    modelDim: o.dim,
    layers: o.layers,
    heads: o.heads,
    contextLength: o.context,
  });
}

function batchFor(
  kind: "resnet" | "olmo",
): { input: tf.Tensor; labels: tf.Tensor } {
  if (kind === "resnet") {
    const r = sizes.resnet;
    return {
      input: tf.randomNormal([r.batch, r.size, r.size, 3], 0, 1, "float32", 1),
      labels: tf.randomUniformInt([r.batch], 0, r.classes, 2),
    };
  }
  const o = sizes.olmo;
  return {
    input: tf.randomUniformInt([o.batch, o.context], 0, o.vocab, 3),
    labels: tf.randomUniformInt([o.batch * o.context], 0, o.vocab, 4),
  };
}

function crossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const classes = logits.shape[logits.rank - 1];
  const flat = tf.reshape(logits, [-1, classes]);
  const picked = tf.mul(tf.oneHot(labels, classes), tf.logSoftmax(flat));
  return tf.neg(tf.mean(tf.sum(picked, -1)));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A PyTorch process that times one step of a named model on request. */
interface TorchServer {
  threads: number;
  version: string;
  step(kind: "resnet" | "olmo"): Promise<number>;
  close(): Promise<void>;
}

async function startTorch(): Promise<TorchServer | string> {
  const script = fileURLToPath(new URL("./torch_step.py", import.meta.url));
  const config: Record<string, unknown> = { serve: true };
  for (const kind of models) config[kind] = sizes[kind];
  if (flags["torch-threads"] !== undefined) {
    config.threads = Number(flags["torch-threads"]);
  }
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("/usr/bin/python3", {
      args: [script, JSON.stringify(config)],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    return String(error);
  }
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const nextLine = async (): Promise<string | undefined> => {
    while (!buffered.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) return undefined;
      buffered += value;
    }
    const end = buffered.indexOf("\n");
    const line = buffered.slice(0, end);
    buffered = buffered.slice(end + 1);
    return line;
  };
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  const first = await nextLine();
  if (first === undefined) {
    await writer.close().catch(() => {});
    const status = await child.status;
    const errors = await new Response(child.stderr).text();
    return `exit ${status.code}: ${errors.trim().split("\n").pop()}`;
  }
  const ready = JSON.parse(first);
  return {
    threads: ready.threads,
    version: ready.version,
    async step(kind) {
      await writer.write(encoder.encode(`${kind}\n`));
      const line = await nextLine();
      if (line === undefined) throw new Error("pytorch process ended");
      return JSON.parse(line).ms;
    },
    async close() {
      await writer.write(encoder.encode("\n"));
      await writer.close();
      await child.status;
      await child.stderr.cancel();
    },
  };
}

/** Times `kind` on `backend`, with a PyTorch step after every tfjs step
 * when `torch` is there, so that both see the same load. */
async function timeModel(
  kind: "resnet" | "olmo",
  backend: BackendName,
  torch: TorchServer | undefined,
): Promise<{ ms: number; torchMs?: number; profile?: string }> {
  await useBackend(backend);
  const model = build(kind);
  const { input, labels } = batchFor(kind);
  const variables = [...model.params.values()];
  const optimizer = adamw(model.params, { weightDecay: 0.01 });
  const step = async () => {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => crossEntropy(model.apply(input, { training: true }), labels),
        variables,
      );
      optimizer.step(grads, 1e-3);
      return value;
    });
    await loss.data();
    loss.dispose();
  };
  const plan = defaultSteps[backend];
  const warmup = flags.warmup === undefined
    ? plan.warmup
    : Number(flags.warmup);
  const steps = flags.steps === undefined ? plan.steps : Number(flags.steps);
  for (let i = 0; i < warmup; i++) {
    await step();
    await torch?.step(kind);
  }
  if (torch !== undefined && warmup === 0) await torch.step(kind);
  const times: number[] = [];
  const torchTimes: number[] = [];
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    await step();
    times.push(performance.now() - start);
    if (torch !== undefined) torchTimes.push(await torch.step(kind));
  }
  let profile: string | undefined;
  if (flags.profile) {
    const info = await tf.profile(step);
    const byKernel = new Map<string, { ms: number; calls: number }>();
    for (const kernel of info.kernels) {
      const entry = byKernel.get(kernel.name) ?? { ms: 0, calls: 0 };
      entry.ms += Number(kernel.kernelTimeMs) || 0;
      entry.calls++;
      byKernel.set(kernel.name, entry);
    }
    profile = [...byKernel]
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, 12)
      .map(([name, { ms, calls }]) =>
        `  kernel ${kind} ${backend} ${name}: ${
          ms.toFixed(1)
        } ms in ${calls} calls`
      )
      .join("\n");
  }
  optimizer.dispose();
  tf.dispose([input, labels]);
  model.dispose();
  return {
    ms: median(times),
    torchMs: torchTimes.length > 0 ? median(torchTimes) : undefined,
    profile,
  };
}

const cpus = os.cpus();
console.log(
  `machine: ${cpus[0]?.model ?? "unknown CPU"}, ${cpus.length} cores, load ${
    os.loadavg().map((l) => l.toFixed(2)).join(" ")
  }`,
);
const started = await startTorch();
const torch = typeof started === "string" ? undefined : started;
if (torch === undefined) console.log(`pytorch: unavailable (${started})`);
else console.log(`pytorch ${torch.version}: ${torch.threads} threads`);
for (const kind of models) {
  for (const backend of backends) {
    let line = `bench ${kind} ${backend}: `;
    let profile: string | undefined;
    try {
      const report = await useBackend(backend);
      const timed = await timeModel(kind, backend, torch);
      profile = timed.profile;
      line += `${timed.ms.toFixed(1)} ms/step`;
      if (timed.torchMs !== undefined) {
        line += `, pytorch ${timed.torchMs.toFixed(1)} ms/step, ratio ${
          (timed.ms / timed.torchMs).toFixed(2)
        }`;
      }
      line +=
        ` [${report.adapter}; threads ${report.threads}; simd ${report.simd}]`;
    } catch (error) {
      line += `unavailable (${error instanceof Error ? error.message : error})`;
    }
    console.log(line);
    if (profile !== undefined) console.log(profile);
  }
}
console.log(`load after: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
await torch?.close();
