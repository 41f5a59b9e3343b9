/**
 * Views of a run's {@linkcode ProgressEvent}s: a terminal progress bar, a
 * live-updating Jupyter display, fixed log lines and JSON lines.
 *
 * All of them are plain `onProgress` callbacks built from the same events;
 * none prints by itself: each takes the function that writes its output.
 *
 * @module
 */

import { findJupyterDisplay, type JupyterDisplay } from "../_jupyter.ts";
import type { EvalEvent, ProgressEvent, StepEvent } from "./types.ts";

/** Formats a learning rate compactly: `3.0e-4`. */
export function formatLr(lr: number): string {
  return lr.toExponential(1);
}

/** Formats milliseconds as `m:ss` or `h:mm:ss`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "--:--";
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}`
    : `${minutes}:${seconds}`;
}

/**
 * The fixed, grep-able line of one evaluation:
 *
 *     step 120: loss 2.3456, lr 3.0e-4, 41.2 ms/step, eval loss 2.4011, accuracy 0.8123
 *
 * Language runs end with `eval loss 1.5012, perplexity 4.49` instead.
 *
 * @example
 * ```ts
 * import { formatEvalLine } from "./progress.ts";
 *
 * const line = formatEvalLine({
 *   type: "eval", step: 120, totalSteps: 200, loss: 2.3456, evalLoss: 2.4011,
 *   metric: 0.8123, lr: 3e-4, msPerStep: 41.2, metricName: "accuracy",
 * });
 * if (!line.startsWith("step 120: loss 2.3456, lr 3.0e-4, 41.2 ms/step")) {
 *   throw new Error(line);
 * }
 * ```
 */
export function formatEvalLine(event: EvalEvent): string {
  const head = `step ${event.step}: loss ${event.loss.toFixed(4)}, lr ${
    formatLr(event.lr)
  }, ${event.msPerStep.toFixed(1)} ms/step, eval loss ${
    event.evalLoss.toFixed(4)
  }`;
  return event.metricName === "accuracy"
    ? `${head}, accuracy ${event.metric.toFixed(4)}`
    : `${head}, perplexity ${
      (event.perplexity ?? Math.exp(event.evalLoss)).toFixed(2)
    }`;
}

/**
 * One line of progress bar: `[#####-----] 120/200 loss 2.3456 lr 3.0e-4
 * 41.2 ms/step ETA 0:03`.
 */
export function formatProgressBar(event: StepEvent, width = 24): string {
  const fraction = Math.min(1, event.step / event.totalSteps);
  const filled = Math.round(fraction * width);
  const bar = "#".repeat(filled) + "-".repeat(width - filled);
  return `[${bar}] ${event.step}/${event.totalSteps} loss ${
    event.loss.toFixed(4)
  } lr ${formatLr(event.lr)} ${event.msPerStep.toFixed(1)} ms/step ETA ${
    formatDuration(event.etaMs)
  }`;
}

/** The other lines a view writes for non-step events. */
function otherLine(event: ProgressEvent): string | undefined {
  switch (event.type) {
    case "eval":
      return formatEvalLine(event);
    case "checkpoint":
      return `checkpoint ${event.step}: ${event.path}`;
    case "diverged":
      return `diverged ${event.step}: loss ${event.loss}, lr ${
        formatLr(event.lr)
      }`;
    default:
      return undefined;
  }
}

/** Options of {@linkcode terminalProgress}. */
export interface TerminalProgressOptions {
  /** Redraw the bar at most this often, in milliseconds. @default 100 */
  intervalMs?: number;
  /** Width of the bar in characters. @default 24 */
  width?: number;
}

/**
 * A terminal view: a bar redrawn in place with a carriage return, and one
 * permanent line per evaluation, checkpoint or divergence.
 *
 * @param write Receives the text to output (e.g. to stderr).
 * @returns The `onProgress` callback.
 *
 * @example Print to stderr
 * ```ts
 * import { terminalProgress } from "./progress.ts";
 *
 * const encoder = new TextEncoder();
 * const onProgress = terminalProgress((text) => Deno.stderr.writeSync(encoder.encode(text)));
 * onProgress({ type: "checkpoint", step: 10, path: "/tmp/x" });
 * ```
 */
export function terminalProgress(
  write: (text: string) => void,
  options: TerminalProgressOptions = {},
): (event: ProgressEvent) => void {
  const intervalMs = options.intervalMs ?? 100;
  let lastDraw = -Infinity;
  let barShown = false;
  return (event) => {
    if (event.type === "step") {
      const now = performance.now();
      if (now - lastDraw < intervalMs && event.step < event.totalSteps) return;
      lastDraw = now;
      write(`\r\x1b[2K${formatProgressBar(event, options.width)}`);
      barShown = true;
      return;
    }
    const line = otherLine(event);
    if (line === undefined) return;
    write(`${barShown ? "\r\x1b[2K" : ""}${line}\n`);
    barShown = false;
    lastDraw = -Infinity;
  };
}

/** Formats events as fixed log lines only (no bar): for logs and files. */
export function logLines(
  write: (line: string) => void,
): (event: ProgressEvent) => void {
  return (event) => {
    const line = otherLine(event);
    if (line !== undefined) write(line);
  };
}

/**
 * JSON lines: one `JSON.stringify(event)` per event (step events every
 * `stepEvery` steps, all others always), for notebooks and reports.
 */
export function jsonLines(
  write: (line: string) => void,
  stepEvery = 1,
): (event: ProgressEvent) => void {
  return (event) => {
    if (event.type === "step" && event.step % stepEvery !== 0) return;
    write(JSON.stringify(event));
  };
}

export { findJupyterDisplay, type JupyterDisplay };

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  );
}

/** Options of {@linkcode jupyterProgress}. */
export interface JupyterProgressOptions {
  /** The display function. @default findJupyterDisplay() */
  display?: JupyterDisplay;
  /** Update the display at most this often, in milliseconds. @default 250 */
  intervalMs?: number;
  /** The display id to create and update. @default a random one */
  displayId?: string;
}

/**
 * A live Jupyter view: one output area, created on the first event and then
 * updated in place (same `display_id`), showing the bar and every
 * evaluation line so far.
 *
 * @returns The `onProgress` callback; it never throws, a failed display
 *   update is dropped.
 * @throws {Error} When there is no display function (not in Jupyter and
 *   none given).
 */
export function jupyterProgress(
  options: JupyterProgressOptions = {},
): (event: ProgressEvent) => void {
  const display = options.display ?? findJupyterDisplay();
  if (display === undefined) {
    throw new Error(
      "Cannot show progress in Jupyter as Deno.jupyter.display must exist: current value is undefined (not running in the Deno kernel)",
    );
  }
  const intervalMs = options.intervalMs ?? 250;
  const displayId = options.displayId ??
    `uba-progress-${crypto.randomUUID()}`;
  const lines: string[] = [];
  let bar = "";
  let created = false;
  let lastDraw = -Infinity;
  let pending: Promise<void> = Promise.resolve();
  const draw = () => {
    const text = [bar, ...lines].filter((l) => l !== "").join("\n");
    const bundle = {
      "text/plain": text,
      "text/html": `<pre>${escapeHtml(text)}</pre>`,
    };
    const update = created;
    created = true;
    pending = pending
      .then(() => display(bundle, { raw: true, display_id: displayId, update }))
      .catch(() => {});
  };
  return (event) => {
    if (event.type === "step") {
      bar = formatProgressBar(event);
      const now = performance.now();
      if (now - lastDraw < intervalMs && event.step < event.totalSteps) return;
      lastDraw = now;
      draw();
      return;
    }
    const line = otherLine(event);
    if (line === undefined) return;
    lines.push(line);
    draw();
  };
}

/** Calls every callback with each event. */
export function combineProgress(
  ...callbacks: ((event: ProgressEvent) => void)[]
): (event: ProgressEvent) => void {
  return (event) => {
    for (const callback of callbacks) callback(event);
  };
}

/**
 * The live Jupyter view inside Deno's Jupyter kernel, the terminal view
 * everywhere else: one line for notebooks and scripts alike.
 *
 * @param write Receives the terminal view's text when not in Jupyter.
 * @param display The Jupyter display function. @default findJupyterDisplay()
 * @returns The `onProgress` callback.
 *
 * @example
 * ```ts
 * import { autoProgress } from "./progress.ts";
 *
 * let text = "";
 * const onProgress = autoProgress((t) => text += t);
 * onProgress({ type: "checkpoint", step: 3, path: "/tmp/c" });
 * if (text !== "checkpoint 3: /tmp/c\n") throw new Error(text);
 * ```
 */
export function autoProgress(
  write: (text: string) => void,
  display: JupyterDisplay | undefined = findJupyterDisplay(),
): (event: ProgressEvent) => void {
  return display === undefined
    ? terminalProgress(write)
    : jupyterProgress({ display });
}
