// The runner's promise: killing it at any moment and starting it again loses
// nothing and duplicates nothing. Checked with real SIGKILLs of the runner
// process mid-grid, on the quadratic trainer (cheap, deterministic), slowed
// down per step so that the kills land inside runs.
import assert from "node:assert/strict";
import { configHash } from "../lib/repro/config_hash.ts";
import {
  appendResult,
  readResults,
  repairResults,
} from "../lib/repro/results_file.ts";
import { trainQuadratic } from "../lib/repro/quadratic.ts";
import { expandSuite } from "../lib/repro/suites.ts";
import type {
  QuadraticConfig,
  RunRecord,
  RunSpec,
} from "../lib/repro/types.ts";

const CLI = new URL("../lib/cli/repro.ts", import.meta.url).pathname;

function fakeRecord(hash: string, metric: number): RunRecord {
  return { configHash: hash, metric } as unknown as RunRecord;
}

Deno.test("configHash() ignores key order and undefined fields", () => {
  assert.equal(
    configHash({ a: 1, b: { c: [1, 2], d: "x" } }),
    configHash({ b: { d: "x", c: [1, 2] }, a: 1, e: undefined }),
  );
  assert.notEqual(configHash({ a: 1 }), configHash({ a: 2 }));
  assert.match(configHash({ a: 1 }), /^[0-9a-f]{16}$/);
  assert.throws(() => configHash({ a: NaN }), {
    name: "TypeError",
    message:
      "Cannot hash a config as every number must be finite: current value is NaN",
  });
});

Deno.test("readResults() ignores an interrupted last line and repairResults() cuts it", async () => {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    await appendResult(path, fakeRecord("a", 1));
    await appendResult(path, fakeRecord("b", 2));
    const complete = (await Deno.stat(path)).size;
    await Deno.writeTextFile(path, '{"configHash":"c","met', { append: true });
    const read = await readResults(path);
    assert.deepEqual(read.records.map((r) => r.configHash), ["a", "b"]);
    assert.equal(read.trailingBytes, 22);
    assert.equal(await repairResults(path), 22);
    assert.equal((await Deno.stat(path)).size, complete);
    await appendResult(path, fakeRecord("c", 3));
    const repaired = await readResults(path);
    assert.deepEqual(repaired.records.map((r) => r.metric), [1, 2, 3]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("readResults() keeps the first of duplicate lines and rejects damaged ones", async () => {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    await appendResult(path, fakeRecord("a", 1));
    await appendResult(path, fakeRecord("a", 9));
    const read = await readResults(path);
    assert.equal(read.records.length, 1);
    assert.equal(read.records[0].metric, 1);
    assert.equal(read.duplicates, 1);
    await Deno.writeTextFile(path, "not json\n", { append: true });
    await assert.rejects(() => readResults(path), {
      name: "SyntaxError",
      message:
        `Cannot read results as line 3 of ${path} must be valid JSON: current value is "not json"`,
    });
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("trainQuadratic() resumed from a checkpoint ends exactly where an uninterrupted run does", async () => {
  const config: QuadraticConfig = {
    task: "quadratic",
    dimension: 20,
    mu: 0.01,
    L: 1,
    noise: 0.05,
    momentum: 0.5,
    schedule: { name: "uba", options: { peakLr: 1, phi: 4 } },
    steps: 60,
    evalEvery: 10,
    checkpointEvery: 7,
    seed: 3,
  };
  const reference = await trainQuadratic(config);
  const checkpointDir = await Deno.makeTempDir();
  try {
    const controller = new AbortController();
    const first = await trainQuadratic(config, {
      checkpointDir,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type === "step" && event.step === 30) controller.abort();
      },
    });
    assert.equal(first.aborted, true);
    const resumed = await trainQuadratic(config, { checkpointDir });
    assert.equal(resumed.resumedFromStep, 28); // the last multiple of 7
    assert.equal(resumed.finalMetric, reference.finalMetric);
    assert.deepEqual(resumed.curve, reference.curve);
  } finally {
    await Deno.remove(checkpointDir, { recursive: true });
  }
});

/** The quadratic smoke grid with every step slowed down by `delayMs`. */
function slowSpecs(delayMs: number): RunSpec[] {
  return expandSuite("quadratic", "smoke").map((spec) => {
    const config = {
      ...(spec.config as QuadraticConfig),
      stepDelayMs: delayMs,
      checkpointEvery: 10,
    };
    return { ...spec, config, configHash: configHash(config) };
  });
}

function startRunner(specsPath: string, out: string) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "--specs", specsPath, "--out", out, "--jobs", "2"],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function lineCount(path: string): Promise<number> {
  try {
    return (await Deno.readTextFile(path)).split("\n").length - 1;
  } catch {
    return 0;
  }
}

async function checkpointTimes(root: string): Promise<string> {
  const times: string[] = [];
  try {
    for await (const folder of Deno.readDir(root)) {
      for await (const file of Deno.readDir(`${root}/${folder.name}`)) {
        const info = await Deno.stat(`${root}/${folder.name}/${file.name}`);
        times.push(`${folder.name}/${file.name}@${info.mtime?.getTime()}`);
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return times.sort().join(",");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("the repro runner killed twice with SIGKILL mid-grid loses and duplicates no run", async () => {
  const folder = await Deno.makeTempDir();
  const specs = slowSpecs(6);
  const specsPath = `${folder}/specs.json`;
  const out = `${folder}/results.jsonl`;
  await Deno.writeTextFile(specsPath, JSON.stringify(specs));
  try {
    // Two kills, each once some lines are written and runs are mid-way.
    for (const linesBeforeKill of [3, 9]) {
      const runner = startRunner(specsPath, out);
      while ((await lineCount(out)) < linesBeforeKill) await sleep(20);
      await sleep(250); // let the next runs write checkpoints
      runner.kill("SIGKILL");
      const status = await runner.status;
      await runner.stdout.cancel();
      await runner.stderr.cancel();
      assert.equal(status.signal, "SIGKILL");
      // The orphaned workers stop: their checkpoints stop changing.
      await sleep(500);
      const before = await checkpointTimes(`${out}.checkpoints`);
      await sleep(500);
      assert.equal(await checkpointTimes(`${out}.checkpoints`), before);
    }
    // A kill in the middle of an append leaves half a line; simulate one.
    await Deno.writeTextFile(out, '{"suite":"quadratic","sch', {
      append: true,
    });

    const final = startRunner(specsPath, out);
    const { code, stdout, stderr } = await final.output();
    const log = new TextDecoder().decode(stdout) +
      new TextDecoder().decode(stderr);
    assert.equal(code, 0, log);
    assert.match(log, /cut 25 bytes of an interrupted line/);

    const text = await Deno.readTextFile(out);
    const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l));
    const hashes = lines.map((r: RunRecord) => r.configHash).sort();
    assert.deepEqual(hashes, specs.map((s) => s.configHash).sort());
    assert.ok(
      lines.some((r: RunRecord) => r.manifest.resumedFromStep > 0),
      "some run resumed from a checkpoint",
    );
    // Every run, resumed or not, matches an uninterrupted in-process run.
    for (const record of lines as RunRecord[]) {
      const config = { ...(record.config as QuadraticConfig), stepDelayMs: 0 };
      const reference = await trainQuadratic(config);
      assert.equal(record.metric, reference.finalMetric, record.schedule);
      assert.equal(record.curve.length, reference.curve.length);
    }
    // Finished runs leave no checkpoints behind.
    assert.equal(await checkpointTimes(`${out}.checkpoints`), "");
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});
