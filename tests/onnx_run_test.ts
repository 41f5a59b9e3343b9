// End to end: train a tiny model for a few steps, export its checkpoint to
// ONNX, evaluate it with ONNX Runtime and compare with what the training run
// reported; then the two command-line tasks and their errors.

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { trainRun } from "../lib/train/run.ts";
import type { RunConfig } from "../lib/train/types.ts";
import { exportAndEvaluate } from "../lib/onnx/run.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
// CI and developers keep the datasets next to the repository.
const DATA_DIR = Deno.env.get("UBA_DATA_DIR") ??
  fileURLToPath(new URL("../../shared/data", import.meta.url));

const VISION: RunConfig = {
  task: "fashion-mnist-mini",
  model: { kind: "resnet", preset: "resnet-tiny" },
  optimizer: { name: "sgd", momentum: 0.9 },
  schedule: { name: "uba", options: { peakLr: 0.05, phi: 4 } },
  steps: 4,
  batchSize: 8,
  evalEvery: 4,
  evalExamples: 120,
  backend: "wasm",
};

const LANGUAGE: RunConfig = {
  task: "tinyshakespeare",
  model: {
    kind: "olmo",
    preset: "olmo-tiny",
    modelDim: 32,
    layers: 1,
    heads: 2,
  },
  optimizer: { name: "adamw" },
  schedule: { name: "uba", options: { peakLr: 0.003, phi: 4 } },
  steps: 4,
  batchSize: 4,
  sequenceLength: 32,
  evalEvery: 4,
  evalExamples: 12,
  backend: "wasm",
  dataDir: DATA_DIR,
};

async function trainInto(config: RunConfig): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "onnx_run_" });
  await trainRun(config, { checkpointDir: dir });
  return dir;
}

async function cli(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${ROOT}lib/cli/${script}`, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return {
    code: output.code,
    stdout: decode(output.stdout),
    stderr: decode(output.stderr),
  };
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("exportAndEvaluate() reproduces the accuracy and loss a vision run reported", async () => {
  const dir = await trainInto(VISION);
  try {
    const check = await exportAndEvaluate({
      checkpointDir: dir,
      config: VISION,
    });
    assert.equal(check.metricName, "accuracy");
    assert.equal(check.step, 4);
    assert.equal(check.onnx.provider, "cpu");
    // The same 120 images: the count of correct answers must agree exactly.
    assert.equal(check.onnx.accuracy, check.tfjs.accuracy);
    assert.ok(
      Math.abs(check.onnx.loss - check.tfjs.loss) < 1e-5,
      `loss ${check.onnx.loss} vs ${check.tfjs.loss}`,
    );
    assert.ok(check.maxAbsLogitDiff < 1e-4, `${check.maxAbsLogitDiff}`);
    assert.deepEqual(await listDir(dir), ["checkpoint.bin", "model.onnx"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("exportAndEvaluate() reproduces the validation loss a language run reported", async () => {
  const dir = await trainInto(LANGUAGE);
  try {
    const check = await exportAndEvaluate({
      checkpointDir: dir,
      config: LANGUAGE,
    });
    assert.equal(check.metricName, "validationLoss");
    assert.equal(check.onnx.accuracy, undefined);
    assert.ok(
      Math.abs(check.onnx.loss - check.tfjs.loss) < 1e-5,
      `loss ${check.onnx.loss} vs ${check.tfjs.loss}`,
    );
    assert.ok(
      Math.abs(check.onnx.perplexity - Math.exp(check.onnx.loss)) < 1e-9,
    );
    assert.ok(check.maxAbsLogitDiff < 1e-4, `${check.maxAbsLogitDiff}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task export and evaluate agree with the run, and explain bad input", async (t) => {
  const dir = await trainInto(VISION);
  try {
    await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(VISION));

    await t.step("--help prints the usage", async () => {
      for (const script of ["export.ts", "evaluate.ts"]) {
        const { code, stdout } = await cli(script, ["--help"]);
        assert.equal(code, 0);
        assert.match(stdout, /^usage: deno task (export|evaluate) </);
      }
    });

    await t.step("export then evaluate --json", async () => {
      const exported = await cli("export.ts", [dir, "--out", `${dir}/m.onnx`]);
      assert.equal(exported.code, 0, exported.stderr);
      assert.match(exported.stdout, /resnet, \d+ parameters, step 4, /);
      const evaluated = await cli("evaluate.ts", [`${dir}/m.onnx`, "--json"]);
      assert.equal(evaluated.code, 0, evaluated.stderr);
      const result = JSON.parse(evaluated.stdout);
      assert.equal(result.count, 120);
      assert.equal(result.provider, "cpu");
      assert.equal(result.accuracy, result.reported.metric);
      assert.ok(Math.abs(result.loss - result.reported.evalLoss) < 1e-5);
    });

    await t.step("a missing model file", async () => {
      const { code, stderr } = await cli("evaluate.ts", [`${dir}/none.onnx`]);
      assert.equal(code, 1);
      assert.match(
        stderr,
        /Cannot load the ONNX model as the file must exist: current value is ".*none\.onnx"/,
      );
    });

    await t.step("a corrupt model file", async () => {
      await Deno.writeTextFile(`${dir}/bad.onnx`, "not a protobuf at all");
      const { code, stderr } = await cli("evaluate.ts", [`${dir}/bad.onnx`]);
      assert.equal(code, 1);
      assert.match(stderr, /must be a valid ONNX protobuf/);
    });

    await t.step("an unknown provider", async () => {
      const { code, stderr } = await cli("evaluate.ts", [
        `${dir}/m.onnx`,
        "--provider",
        "tpu",
      ]);
      assert.equal(code, 1);
      assert.match(
        stderr,
        /--provider must be one of "cpu", "webgpu", "cuda": current value is "tpu"/,
      );
    });

    await t.step(
      "a run folder without a checkpoint writes nothing",
      async () => {
        const empty = await Deno.makeTempDir({ prefix: "onnx_empty_" });
        const { code, stderr } = await cli("export.ts", [empty]);
        assert.equal(code, 1);
        assert.match(stderr, /must hold checkpoint\.bin/);
        assert.deepEqual(await listDir(empty), []);
        await Deno.remove(empty);
      },
    );

    await t.step(
      "an unwritable destination leaves no partial file",
      async () => {
        const { code } = await cli("export.ts", [
          dir,
          "--out",
          `${dir}/missing-folder/m.onnx`,
        ]);
        assert.equal(code, 1);
        assert.deepEqual(await listDir(dir), [
          "bad.onnx",
          "checkpoint.bin",
          "config.json",
          "m.onnx",
        ]);
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
