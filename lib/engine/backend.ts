/**
 * Selects the tfjs backend that trains the kit's models and reports what it
 * runs on, for run manifests.
 *
 * Three backends are known:
 *
 * | name | runs on | notes |
 * |---|---|---|
 * | `wasm` | CPU, XNNPACK through WebAssembly SIMD | the CPU default; the kernels of `wasm_kernels.ts` make it train |
 * | `webgpu` | the WebGPU adapter Deno exposes | a GPU when there is one; Mesa's llvmpipe (a CPU rasteriser) otherwise |
 * | `cpu` | plain JavaScript | a slow fallback and an oracle for tests |
 *
 * Importing this module registers tfjs's gradient functions (through the
 * `@tensorflow/tfjs` bundle: tfjs-core's own node build has none) and the
 * `cpu` and `wasm` backends.
 *
 * Note: the wasm backend runs on one thread under Deno. Its threaded build
 * starts Emscripten pthreads through `node:worker_threads` with a Blob URL,
 * which Deno's worker_threads rejects (ERR_WORKER_PATH), and tfjs itself
 * switches threads off whenever it detects Node (Deno exposes `process`).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-cpu";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { requireChoice } from "../_validate.ts";
import { registerWasmTrainingKernels } from "./wasm_kernels.ts";

/** The names {@linkcode useBackend} accepts. */
export const BACKEND_NAMES = ["wasm", "webgpu", "cpu"] as const;

/** A backend name: `"wasm"`, `"webgpu"` or `"cpu"`. */
export type BackendName = typeof BACKEND_NAMES[number];

/** What a run manifest records about the backend. */
export interface BackendReport {
  /** The active tfjs backend. */
  backend: BackendName;
  /** What executes the kernels: the WebGPU adapter's description, or the CPU
   * runtime for `wasm` and `cpu`. */
  adapter: string;
  /** Threads the backend computes with (1 for `webgpu`: the host thread). */
  threads: number;
  /** Whether the wasm binary uses 128-bit SIMD (false for other backends). */
  simd: boolean;
}

async function adapterDescription(): Promise<string | undefined> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (gpu === undefined) return undefined;
  const adapter = await gpu.requestAdapter();
  if (adapter === null) return undefined;
  const { description, vendor, architecture, device } = adapter.info;
  const parts = [description, vendor, architecture, device].filter((part) =>
    part !== ""
  );
  return parts.length > 0 ? parts.join(", ") : "unnamed WebGPU adapter";
}

/**
 * Makes `name` the active tfjs backend, initialising it on first use, and
 * reports what it runs on.
 *
 * For `wasm` it first registers the training kernels of `wasm_kernels.ts`.
 * For `webgpu` it imports `@tensorflow/tfjs-backend-webgpu` on first use and
 * requires a WebGPU adapter (Deno 2.9 exposes `navigator.gpu` without a
 * flag). It also sets tfjs's `PROD` flag, which keeps tfjs from printing
 * its console notices (library code here does not print) and skips tfjs's
 * scan of array values for NaN when tensors are created.
 *
 * Note: on `webgpu`, read results with `await tensor.data()`: tfjs's
 * synchronous reads (`dataSync`) need a canvas, which Deno does not have.
 *
 * @param name The backend to use.
 * @default "wasm"
 * @returns The backend's {@linkcode BackendReport}.
 * @throws {TypeError} when `name` is not one of {@linkcode BACKEND_NAMES}.
 * @throws {Error} when the backend cannot start here, with the reason.
 *
 * @example Train on the CPU default and record it
 * ```ts
 * import { useBackend } from "./backend.ts";
 *
 * const report = await useBackend("wasm");
 * if (report.backend !== "wasm") throw new Error("unexpected backend");
 * ```
 */
export async function useBackend(
  name: BackendName = "wasm",
): Promise<BackendReport> {
  requireChoice("use a backend", "name", name, BACKEND_NAMES);
  tf.env().set("PROD", true);
  let adapter: string;
  if (name === "webgpu") {
    const description = await adapterDescription();
    if (description === undefined) {
      throw new Error(
        `Cannot use backend "webgpu" as no WebGPU adapter is available: current value is navigator.gpu=${typeof (globalThis
          .navigator as Navigator | undefined)?.gpu}`,
      );
    }
    adapter = description;
    if (tf.findBackendFactory("webgpu") === null) {
      await import("@tensorflow/tfjs-backend-webgpu");
    }
  } else if (name === "wasm") {
    registerWasmTrainingKernels();
    adapter = "CPU (WebAssembly, XNNPACK)";
  } else {
    adapter = "CPU (JavaScript)";
  }
  let started = false;
  try {
    started = await tf.setBackend(name);
  } catch (error) {
    throw new Error(
      `Cannot use backend "${name}" as it failed to start: current value is ${error}`,
    );
  }
  if (!started || tf.getBackend() !== name) {
    throw new Error(
      `Cannot use backend "${name}" as it failed to start: current value is ${tf.getBackend()}`,
    );
  }
  if (name === "wasm") {
    const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT") === true;
    return { backend: name, adapter, threads: getThreadsCount(), simd };
  }
  return { backend: name, adapter, threads: 1, simd: false };
}
