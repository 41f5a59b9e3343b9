/**
 * Renders vega-lite specifications to SVG and shows them in Jupyter as a MIME
 * bundle: the vega-lite JSON for front ends that draw it interactively, plus
 * the SVG for everything else (GitHub, nbconvert's HTML, plain viewers).
 *
 * @module
 */

import { requireJupyterDisplay } from "../_jupyter.ts";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export type { TopLevelSpec };

/** The MIME type Jupyter front ends render vega-lite 5 specifications for. */
export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

/** The schema URL written into every specification the kit builds. */
export const VEGA_LITE_SCHEMA =
  "https://vega.github.io/schema/vega-lite/v5.json";

/** A Jupyter MIME bundle holding a chart. */
export interface ChartBundle {
  [VEGA_LITE_MIME]: TopLevelSpec;
  "image/svg+xml": string;
  "text/plain": string;
}

/**
 * Compiles a vega-lite specification and renders it to an SVG document,
 * without a browser or a canvas.
 *
 * @param spec The vega-lite specification.
 * @returns The SVG markup.
 * @throws {TypeError} If the specification does not compile.
 *
 * @example
 * ```ts
 * import { renderSvg } from "./vega.ts";
 *
 * const svg = await renderSvg({
 *   data: { values: [{ x: 0, y: 1 }, { x: 1, y: 0 }] },
 *   mark: "line",
 *   encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
 * });
 * if (!svg.startsWith("<svg")) throw new Error("not an SVG");
 * ```
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  let compiled;
  try {
    compiled = compile(spec).spec;
  } catch (error) {
    throw new TypeError(
      `Cannot render chart as the vega-lite specification is invalid: ${
        (error as Error).message
      }`,
    );
  }
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Builds the MIME bundle of a chart: vega-lite JSON, SVG and a text summary.
 *
 * @param spec The vega-lite specification.
 * @returns The bundle, ready for `Deno.jupyter.display(bundle, { raw: true })`.
 */
export async function chartBundle(spec: TopLevelSpec): Promise<ChartBundle> {
  const title = typeof spec.title === "string" ? spec.title : "chart";
  return {
    [VEGA_LITE_MIME]: spec,
    "image/svg+xml": await renderSvg(spec),
    "text/plain": `<vega-lite chart: ${title}>`,
  };
}

/**
 * Shows a chart in the running Jupyter notebook (Deno kernel).
 *
 * @param spec The vega-lite specification.
 * @throws {Error} If called outside the Deno Jupyter kernel.
 */
export async function display(spec: TopLevelSpec): Promise<void> {
  const show = requireJupyterDisplay("display chart");
  await show({ ...await chartBundle(spec) }, { raw: true });
}
