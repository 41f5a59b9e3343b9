// Probes whether the threaded build of the tfjs wasm backend runs under Deno
// and what it gains. Not used by the kit: useBackend("wasm") stays on the
// single-threaded SIMD build. Run with
//
//   deno run -A tests/bench/wasm_threads_probe.ts [threads]
//
// What it shows (tfjs 4.22, Deno 2.9):
// - tfjs never picks the threaded build under Deno: it sees `process` and
//   sets WASM_HAS_MULTITHREAD_SUPPORT to false. Forcing the flag fails with
//   ERR_WORKER_PATH, because Emscripten starts its pthread workers through
//   node:worker_threads with a Blob URL.
// - Loading the Emscripten factory from wasm-out/ directly works once three
//   things are patched here: the worker source is written to a .cjs file,
//   its Object.assign onto the worker's global (whose `location` is
//   read-only in Deno) is made tolerant, and os.cpus() is doubled while the
//   module starts, because the C++ side caps threads at half the logical
//   cores (it assumes two hyper-threads per core).
// - tfjs 4.22 runs XNNPACK's fully connected operator (every matMul)
//   without its thread pool, so only convolutions can use the threads.

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs";
import {
  BackendWasm,
  getThreadsCount,
  setThreadsCount,
} from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { writeFileSync } from "node:fs";
import { registerWasmTrainingKernels } from "../../lib/engine/wasm_kernels.ts";

const threads = Number(Deno.args[0] ?? 2);
const require = createRequire(import.meta.url);
const out = join(
  dirname(require.resolve("@tensorflow/tfjs-backend-wasm")),
  "..",
  "wasm-out",
);
const factoryPath = join(out, "tfjs-backend-wasm-threaded-simd.js");
const factory = require(factoryPath);
const workerSource: string = require(
  join(out, "tfjs-backend-wasm-threaded-simd.worker.js"),
).wasmWorkerContents;
const workerPath = join(Deno.makeTempDirSync(), "wasm-worker.cjs");
const tolerantAssign = "function assignGlobals(target, source) {" +
  " for (const key of Object.keys(source)) { try {" +
  " Object.defineProperty(target, key, { value: source[key]," +
  " writable: true, configurable: true }); } catch (_) {} } return target; }";
writeFileSync(
  workerPath,
  tolerantAssign +
    workerSource.replace(/\n/g, "\\n").replace(
      "Object.assign(global,{",
      "assignGlobals(global,{",
    ),
);

tf.removeBackend("wasm");
tf.registerBackend("wasm", async () => {
  const os = require("os");
  const cpus = os.cpus;
  os.cpus = () => [...cpus(), ...cpus()];
  const module = await factory({
    locateFile: (path: string) =>
      path.endsWith(".worker.js") ? workerPath : join(out, path),
    mainScriptUrlOrBlob: factoryPath,
  });
  os.cpus = cpus;
  module.tfjs = {
    init: module.cwrap("init", null, []),
    initWithThreadsCount: module.cwrap("init_with_threads_count", null, [
      "number",
    ]),
    getThreadsCount: module.cwrap("get_threads_count", "number", []),
    registerTensor: module.cwrap("register_tensor", null, [
      "number",
      "number",
      "number",
    ]),
    disposeData: module.cwrap("dispose_data", null, ["number"]),
    dispose: module.cwrap("dispose", null, []),
  };
  return new BackendWasm(module);
}, 2);
setThreadsCount(threads);
registerWasmTrainingKernels();
await tf.setBackend("wasm");
console.log(`threaded wasm backend: ${getThreadsCount()} threads`);

async function time(name: string, f: () => tf.Tensor, flops: number) {
  for (let i = 0; i < 2; i++) f().dispose();
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    const result = f();
    await result.data();
    times.push(performance.now() - start);
    result.dispose();
  }
  const ms = times.sort((a, b) => a - b)[3];
  console.log(
    `probe ${name} threads ${getThreadsCount()}: ${ms.toFixed(1)} ms, ${
      (flops / ms / 1e6).toFixed(1)
    } GFLOP/s`,
  );
}

const a = tf.randomNormal([4096, 128]);
const w = tf.randomNormal([128, 512]);
await time("matMul 4096x128x512", () => tf.matMul(a, w), 2 * 4096 * 128 * 512);
const x = tf.randomNormal([128, 16, 16, 64]) as tf.Tensor4D;
const f = tf.randomNormal([3, 3, 64, 64]) as tf.Tensor4D;
await time(
  "conv2d 128x16x16x64 3x3",
  () => tf.conv2d(x, f, 1, "same"),
  2 * 128 * 16 * 16 * 64 * 64 * 9,
);
Deno.exit(0);
