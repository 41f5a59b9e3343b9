// The progress views built from one stream of events, the checkpoint file
// format, and the command line's help and errors.
import type { DisplayOptions } from "../lib/_jupyter.ts";
import { assert } from "./_assert.ts";
import {
  autoProgress,
  formatDuration,
  formatEvalLine,
  formatProgressBar,
  jsonLines,
  jupyterProgress,
  logLines,
  terminalProgress,
} from "../lib/train/progress.ts";
import {
  decodeCheckpoint,
  encodeCheckpoint,
  writeFileAtomically,
} from "../lib/train/checkpoint.ts";
import type {
  EvalEvent,
  ProgressEvent,
  StepEvent,
} from "../lib/train/types.ts";

const step = (n: number): StepEvent => ({
  type: "step",
  step: n,
  totalSteps: 200,
  loss: 2.34567,
  lr: 3e-4,
  msPerStep: 41.25,
  etaMs: (200 - n) * 41.25,
});
const evaluation: EvalEvent = {
  type: "eval",
  step: 120,
  totalSteps: 200,
  loss: 2.34561,
  evalLoss: 2.40109,
  metric: 0.81234,
  lr: 3e-4,
  msPerStep: 41.24,
  metricName: "accuracy",
};

Deno.test("formatEvalLine() writes one fixed line per evaluation", () => {
  assert.equal(
    formatEvalLine(evaluation),
    "step 120: loss 2.3456, lr 3.0e-4, 41.2 ms/step, eval loss 2.4011, accuracy 0.8123",
  );
  assert.equal(
    formatEvalLine({
      ...evaluation,
      metricName: "validationLoss",
      metric: 1.5,
      evalLoss: 1.5,
      perplexity: Math.exp(1.5),
    }),
    "step 120: loss 2.3456, lr 3.0e-4, 41.2 ms/step, eval loss 1.5000, perplexity 4.48",
  );
});

Deno.test("formatProgressBar() shows step, loss, rate, speed and ETA", () => {
  assert.equal(
    formatProgressBar(step(50), 8),
    "[##------] 50/200 loss 2.3457 lr 3.0e-4 41.3 ms/step ETA 0:06",
  );
  assert.equal(formatDuration(3_723_000), "1:02:03");
  assert.equal(formatDuration(Infinity), "--:--");
});

Deno.test("terminalProgress() redraws the bar in place and keeps evaluation lines", () => {
  let out = "";
  const view = terminalProgress((text) => out += text, {
    intervalMs: 0,
    width: 4,
  });
  view(step(100));
  view(evaluation);
  view(step(200));
  assert.equal(
    out,
    "\r\x1b[2K[##--] 100/200 loss 2.3457 lr 3.0e-4 41.3 ms/step ETA 0:04" +
      "\r\x1b[2Kstep 120: loss 2.3456, lr 3.0e-4, 41.2 ms/step, eval loss 2.4011, accuracy 0.8123\n" +
      "\r\x1b[2K[####] 200/200 loss 2.3457 lr 3.0e-4 41.3 ms/step ETA 0:00",
  );
});

Deno.test("jsonLines() and logLines() write parseable and grep-able records", () => {
  const json: string[] = [];
  const log: string[] = [];
  const events: ProgressEvent[] = [step(1), step(2), evaluation, {
    type: "checkpoint",
    step: 2,
    path: "/c",
  }];
  events.forEach(jsonLines((line) => json.push(line), 2));
  events.forEach(logLines((line) => log.push(line)));
  assert.deepEqual(json.map((line) => JSON.parse(line).type), [
    "step",
    "eval",
    "checkpoint",
  ]);
  assert.deepEqual(JSON.parse(json[1]), evaluation);
  assert.deepEqual(log, [formatEvalLine(evaluation), "checkpoint 2: /c"]);
});

Deno.test("jupyterProgress() creates one display and then updates it by its id", async () => {
  const calls: { bundle: Record<string, unknown>; options: DisplayOptions }[] =
    [];
  const view = jupyterProgress({
    display: (bundle, options) => {
      calls.push({ bundle, options });
      return Promise.resolve();
    },
    intervalMs: 0,
    displayId: "run-1",
  });
  view(step(10));
  view(evaluation);
  view(step(200));
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(
    calls.map((c) => [c.options.display_id, c.options.update, c.options.raw]),
    [
      ["run-1", false, true],
      ["run-1", true, true],
      ["run-1", true, true],
    ],
  );
  const last = String(calls[2].bundle["text/plain"]).split("\n");
  assert.equal(last[0], formatProgressBar(step(200)));
  assert.equal(last[1], formatEvalLine(evaluation));
  assert.ok(String(calls[2].bundle["text/html"]).startsWith("<pre>[####"));
  assert.throws(() => jupyterProgress(), /Deno\.jupyter\.display must exist/);
});

Deno.test("autoProgress() picks the Jupyter view when a display exists, the terminal otherwise", async () => {
  let text = "";
  autoProgress((t) => text += t)(evaluation);
  assert.equal(text, formatEvalLine(evaluation) + "\n");
  const shown: string[] = [];
  autoProgress(() => {
    throw new Error("no terminal output in Jupyter");
  }, (bundle) => {
    shown.push(String(bundle["text/plain"]));
    return Promise.resolve();
  })(evaluation);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(shown, [formatEvalLine(evaluation)]);
});

Deno.test("checkpoints round-trip tensors and JSON, and writes leave no temporary file", async () => {
  const bytes = encodeCheckpoint({
    meta: { step: 7, note: "ü" },
    tensors: new Map([
      ["param:a", {
        shape: [2, 2],
        dtype: "float32" as const,
        values: new Float32Array([1, -0, NaN, 3.5]),
      }],
      ["slot:b", {
        shape: [3],
        dtype: "int32" as const,
        values: new Int32Array([1, -2, 3]),
      }],
    ]),
  });
  const folder = await Deno.makeTempDir();
  await writeFileAtomically(`${folder}/c.bin`, bytes);
  await writeFileAtomically(`${folder}/c.bin`, bytes); // replaces
  const names = [];
  for await (const entry of Deno.readDir(folder)) names.push(entry.name);
  assert.deepEqual(names, ["c.bin"]);
  const decoded = decodeCheckpoint<{ step: number; note: string }>(
    await Deno.readFile(`${folder}/c.bin`),
  );
  assert.deepEqual(decoded.meta, { step: 7, note: "ü" });
  assert.deepEqual(
    decoded.tensors.get("param:a")!.values,
    new Float32Array([1, -0, NaN, 3.5]),
  );
  assert.deepEqual(
    decoded.tensors.get("slot:b")!.values,
    new Int32Array([1, -2, 3]),
  );
  assert.throws(
    () => decodeCheckpoint(bytes.subarray(0, bytes.length - 4)),
    /\(truncated\)/,
  );
  assert.throws(
    () => decodeCheckpoint(new Uint8Array(16)),
    /must start with UBACKPT1/,
  );
  await Deno.remove(folder, { recursive: true });
});

const cli = new URL("../lib/cli/train.ts", import.meta.url).pathname;
async function runCli(...args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", cli, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("deno task train explains itself and rejects bad arguments with exit status 2", async () => {
  const help = await runCli("--help");
  assert.equal(help.code, 0);
  assert.ok(
    help.stdout.startsWith(
      "Train one configuration for a fixed number of steps.",
    ),
  );
  assert.ok(help.stdout.includes("--checkpoint-dir <dir>"));
  const unknown = await runCli("--stepz", "3");
  assert.equal(unknown.code, 2);
  assert.ok(
    unknown.stderr.includes("Unknown option '--stepz'"),
    unknown.stderr,
  );
  assert.ok(unknown.stderr.includes("Run with --help for the options."));
  const notNumber = await runCli("--steps", "ten");
  assert.equal(notNumber.code, 2);
  assert.ok(
    notNumber.stderr.startsWith(
      'Cannot read --steps as it must be a number: current value is "ten"',
    ),
  );
  const badTask = await runCli("--task", "imagenet");
  assert.equal(badTask.code, 2);
  assert.ok(
    badTask.stderr.includes('task must be one of "fashion-mnist"'),
    badTask.stderr,
  );
});

Deno.test("deno task train trains the embedded default and prints the final line", async () => {
  const run = await runCli(
    "--steps",
    "4",
    "--batch-size",
    "8",
    "--eval-every",
    "2",
    "--eval-examples",
    "20",
    "--schedule",
    "cosine",
    "--peak-lr",
    "0.05",
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    /^done: accuracy \d\.\d{4} \(best \d\.\d{4}\), 4 steps, [\d.]+ s, 5122 parameters on wasm\n$/,
  );
  // Cosine from 0.05 over 4 steps: the second step (t = 1) runs at
  // 0.05 (1 + cos(pi / 4)) / 2 = 0.0427.
  const lines = run.stderr.split("\n").map((l) => l.split("\r\x1b[2K").at(-1)!);
  assert.ok(
    lines.some((l) =>
      /^step 2: loss \d\.\d{4}, lr 4\.3e-2, [\d.]+ ms\/step, eval loss \d\.\d{4}, accuracy \d\.\d{4}$/
        .test(l)
    ),
    run.stderr,
  );
});
