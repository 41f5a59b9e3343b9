// Resuming after a real interruption: `deno task train` runs in a child
// process, is killed with SIGKILL right after it reports a checkpoint, and a
// second run from the same checkpoint folder must end with bit-identical
// weights, batch-norm buffers and optimizer state to an uninterrupted run.
import { assert } from "./_assert.ts";
import { trainRun } from "../lib/train/run.ts";
import { decodeCheckpoint } from "../lib/train/checkpoint.ts";
import type { RunConfig } from "../lib/train/types.ts";

const cli = new URL("../lib/cli/train.ts", import.meta.url).pathname;

const config: RunConfig = {
  task: "fashion-mnist-mini",
  model: { kind: "resnet", blocks: [1, 1], width: 4 },
  optimizer: { name: "sgd", momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
  schedule: { name: "uba", options: { peakLr: 0.05, phi: 5 } },
  steps: 80,
  batchSize: 8,
  evalEvery: 40,
  evalExamples: 32,
  checkpointEvery: 4,
  backend: "wasm",
  seed: 11,
};

Deno.test("a run killed with SIGKILL after a checkpoint resumes to the weights of an uninterrupted run", async () => {
  const folder = await Deno.makeTempDir();
  const configPath = `${folder}/config.json`;
  await Deno.writeTextFile(configPath, JSON.stringify(config));

  // 1. Start the command-line run and kill it once a checkpoint is on disk.
  const killedDir = `${folder}/killed`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      cli,
      "--config",
      configPath,
      "--checkpoint-dir",
      killedDir,
      "--json",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let killedAfter: number | undefined;
  const lines = child.stdout.pipeThrough(new TextDecoderStream());
  let buffered = "";
  reading: for await (const chunk of lines) {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const event = JSON.parse(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      if (event.type === "checkpoint" && event.step >= 8) {
        child.kill("SIGKILL");
        killedAfter = event.step;
        break reading;
      }
    }
  }
  const status = await child.status;
  await child.stderr.cancel();
  assert.equal(
    status.signal,
    "SIGKILL",
    "the child must have been killed, not have finished",
  );
  assert.ok(killedAfter !== undefined);

  // The checkpoint on disk is whole: it decodes, at a step before the end.
  const interrupted = decodeCheckpoint<{ step: number }>(
    await Deno.readFile(`${killedDir}/checkpoint.bin`),
  );
  assert.ok(
    interrupted.meta.step >= killedAfter! &&
      interrupted.meta.step < config.steps,
  );

  // 2. Resume in a second child process, to the end.
  const resume = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      cli,
      "--config",
      configPath,
      "--checkpoint-dir",
      killedDir,
      "--json",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(resume.code, 0, new TextDecoder().decode(resume.stderr));
  const outcome = new TextDecoder().decode(resume.stdout).trim().split("\n")
    .map((line) => JSON.parse(line)).find((event) => event.type === "result");
  assert.equal(outcome.resumedFromStep, interrupted.meta.step);
  assert.equal(outcome.steps, config.steps);

  // 3. The same config without interruption, in this process.
  const straightDir = `${folder}/straight`;
  const straight = await trainRun(config, { checkpointDir: straightDir });
  assert.deepEqual(outcome.curve, straight.curve);

  const a =
    decodeCheckpoint(await Deno.readFile(`${straightDir}/checkpoint.bin`))
      .tensors;
  const b = decodeCheckpoint(await Deno.readFile(`${killedDir}/checkpoint.bin`))
    .tensors;
  assert.deepEqual([...b.keys()], [...a.keys()]);
  const groups = new Set([...a.keys()].map((key) => key.split(":")[0]));
  assert.deepEqual([...groups].sort(), ["buffer", "param", "slot"]);
  for (const [name, tensor] of a) {
    const other = b.get(name)!;
    const same = new Uint32Array(tensor.values.buffer).every((word, i) =>
      word === new Uint32Array(other.values.buffer)[i]
    );
    assert.ok(same, `${name} differs bitwise`);
  }
  await Deno.remove(folder, { recursive: true });
});
