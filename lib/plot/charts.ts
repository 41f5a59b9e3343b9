/**
 * Specification builders for the charts the kit draws most: lines over steps
 * (learning rates, losses) and schedule galleries.
 *
 * @module
 */

import { sample } from "../schedules/combinators.ts";
import type { Schedule } from "../schedule.ts";
import { type TopLevelSpec, VEGA_LITE_SCHEMA } from "./vega.ts";

/** One axis of a chart. */
export interface AxisOptions {
  /** The data field plotted on this axis. */
  field: string;
  /** Axis title. @default {the field name} */
  title?: string;
  /** Logarithmic scale. @default {false} */
  log?: boolean;
}

/** Options of {@linkcode lineChart}. */
export interface LineChartOptions {
  /** The rows to plot. */
  data: readonly Record<string, unknown>[];
  x: AxisOptions;
  y: AxisOptions;
  /** Field that splits rows into one coloured line each. */
  series?: string;
  /** Field that splits the chart into small multiples, side by side. */
  facet?: string;
  /** Chart title. */
  title?: string;
  /** Width in pixels (of each facet). @default {480} */
  width?: number;
  /** Height in pixels. @default {280} */
  height?: number;
}

function axis(options: AxisOptions) {
  return {
    field: options.field,
    type: "quantitative" as const,
    title: options.title ?? options.field,
    ...(options.log ? { scale: { type: "log" as const } } : {}),
  };
}

/**
 * A line chart, one line per value of `series`, optionally faceted.
 *
 * @param options The chart's options.
 * @returns A vega-lite specification.
 * @throws {TypeError} If `data` is empty.
 *
 * @example
 * ```ts
 * import { lineChart } from "./charts.ts";
 *
 * const spec = lineChart({
 *   data: [{ step: 0, loss: 2 }, { step: 1, loss: 1 }],
 *   x: { field: "step" },
 *   y: { field: "loss", log: true },
 * });
 * if (!("mark" in spec)) throw new Error("no mark");
 * ```
 */
export function lineChart(options: LineChartOptions): TopLevelSpec {
  if (!Array.isArray(options.data) || options.data.length === 0) {
    throw new TypeError(
      `Cannot build line chart as data must be a non-empty array: current length is ${options.data?.length}`,
    );
  }
  const encoding = {
    x: axis(options.x),
    y: axis(options.y),
    ...(options.series === undefined
      ? {}
      : { color: { field: options.series, type: "nominal" as const } }),
  };
  const layout = {
    width: options.width ?? 480,
    height: options.height ?? 280,
  };
  const base = {
    $schema: VEGA_LITE_SCHEMA,
    ...(options.title === undefined ? {} : { title: options.title }),
    data: { values: options.data as Record<string, unknown>[] },
  };
  if (options.facet !== undefined) {
    return {
      ...base,
      facet: { field: options.facet, type: "nominal" },
      columns: 3,
      spec: { ...layout, mark: { type: "line" }, encoding },
    } as TopLevelSpec;
  }
  return { ...base, ...layout, mark: { type: "line" }, encoding };
}

/**
 * Samples schedules over `steps` steps into rows `{ step, lr, schedule }`.
 *
 * @param schedules The schedules; their names label the rows.
 * @param steps How many steps to sample, from 0.
 * @param points At most this many evenly spaced steps per schedule. @default {200}
 * @returns The rows.
 */
export function scheduleRows(
  schedules: readonly Schedule[],
  steps: number,
  points = 200,
): { step: number; lr: number; schedule: string }[] {
  const stride = Math.max(1, Math.floor(steps / points));
  return schedules.flatMap((schedule) => {
    const rates = sample(schedule, steps + 1);
    const rows = [];
    for (let t = 0; t <= steps; t += stride) {
      rows.push({ step: t, lr: rates[t], schedule: schedule.name });
    }
    if ((steps % stride) !== 0) {
      rows.push({ step: steps, lr: rates[steps], schedule: schedule.name });
    }
    return rows;
  });
}

/**
 * A chart of learning rate against step, one line per schedule.
 *
 * @param schedules The schedules to draw.
 * @param options Chart title and size, and how many steps to draw
 * (default: the largest `totalSteps` among the schedules, or 1000).
 * @returns A vega-lite specification.
 *
 * @example
 * ```ts
 * import { uba } from "../mod.ts";
 * import { scheduleChart } from "./charts.ts";
 *
 * const spec = scheduleChart([1, 2, 8].map((phi) => uba({ peakLr: 1, phi, totalSteps: 100 })));
 * if (!JSON.stringify(spec).includes("uba(phi=8)")) throw new Error("missing line");
 * ```
 */
export function scheduleChart(
  schedules: readonly Schedule[],
  options: {
    steps?: number;
    title?: string;
    width?: number;
    height?: number;
    log?: boolean;
  } = {},
): TopLevelSpec {
  const steps = options.steps ??
    Math.max(0, ...schedules.map((s) => s.totalSteps ?? 0)) ?? 1000;
  return lineChart({
    data: scheduleRows(schedules, steps > 0 ? steps : 1000),
    x: { field: "step" },
    y: { field: "lr", title: "learning rate", log: options.log },
    series: "schedule",
    title: options.title,
    width: options.width,
    height: options.height,
  });
}
