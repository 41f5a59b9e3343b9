import { cosine, uba } from "../lib/mod.ts";
import {
  chartBundle,
  display,
  lineChart,
  renderSvg,
  scheduleChart,
  scheduleRows,
  VEGA_LITE_MIME,
} from "../lib/plot/mod.ts";
import { assert, assertThrowsWith } from "./_assert.ts";

Deno.test("scheduleRows() samples each schedule at both ends of the budget", () => {
  const rows = scheduleRows(
    [uba({ peakLr: 1, phi: 4, totalSteps: 1001 })],
    1001,
    100,
  );
  assert.deepEqual(rows[0], { step: 0, lr: 1, schedule: "uba(phi=4)" });
  assert.deepEqual(rows.at(-1), { step: 1001, lr: 0, schedule: "uba(phi=4)" });
  assert.ok(rows.every((r, i) => i === 0 || r.step > rows[i - 1].step));
});

Deno.test("renderSvg() draws one line per schedule with its title and legend", async () => {
  const spec = scheduleChart(
    [
      uba({ peakLr: 1, phi: 8, totalSteps: 50 }),
      cosine({ peakLr: 1, totalSteps: 50 }),
    ],
    { title: "Two schedules" },
  );
  const svg = await renderSvg(spec);
  assert.ok(svg.startsWith("<svg"));
  assert.ok(svg.includes("Two schedules"));
  assert.ok(svg.includes("uba(phi=8)") && svg.includes("cosine"));
  assert.equal(
    svg.match(/aria-roledescription="line mark container"/g)?.length,
    2,
  );
});

Deno.test("chartBundle() carries the vega-lite spec and its SVG", async () => {
  const spec = lineChart({
    data: [{ t: 1, v: 1 }, { t: 2, v: 0.5 }],
    x: { field: "t" },
    y: { field: "v", log: true },
    title: "log",
  });
  const bundle = await chartBundle(spec);
  assert.equal(bundle[VEGA_LITE_MIME], spec);
  assert.ok(bundle["image/svg+xml"].includes("<svg"));
  assert.equal(bundle["text/plain"], "<vega-lite chart: log>");
});

Deno.test("lineChart() and renderSvg() reject empty data and invalid specs", async () => {
  assertThrowsWith(
    () => lineChart({ data: [], x: { field: "a" }, y: { field: "b" } }),
    TypeError,
    "data must be a non-empty array",
  );
  let caught: unknown;
  try {
    await renderSvg({ mark: "nonsense" } as never);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof TypeError, String(caught));
  assert.ok(
    (caught as Error).message.includes("vega-lite specification is invalid"),
  );
});

Deno.test("display() outside the Jupyter kernel says that it needs the kernel", async () => {
  let caught: unknown;
  try {
    await display(
      lineChart({
        data: [{ a: 1, b: 2 }],
        x: { field: "a" },
        y: { field: "b" },
      }),
    );
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof Error, String(caught));
  assert.ok(
    (caught as Error).message.startsWith(
      "Cannot display chart as Deno.jupyter is not available",
    ),
    (caught as Error).message,
  );
});
