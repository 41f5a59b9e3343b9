/**
 * `deno task export`: writes a trained run's weights as an ONNX model.
 *
 * ```sh
 * deno task export <run> [--out FILE] [--config FILE]
 * ```
 *
 * `<run>` is the checkpoint folder of a training run (the folder that holds
 * `checkpoint.bin`). The run's config comes from `--config`, else from the
 * checkpoint, else from `config.json` in the folder. The model is written
 * atomically to `--out` (default `<run>/model.onnx`), opset 17, with a
 * symbolic batch dimension; it carries the config and the run's last
 * evaluation as metadata, which `deno task evaluate` reads.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { exportRun } from "../onnx/run.ts";
import type { RunConfig } from "../train/types.ts";

const USAGE = `usage: deno task export <run> [--out FILE] [--config FILE]

Exports the checkpoint of a training run to ONNX (opset 17, dynamic batch).

  <run>           the run's checkpoint folder (holds checkpoint.bin)
  --out FILE      where to write the model (default <run>/model.onnx)
  --config FILE   the run's RunConfig as JSON, when the checkpoint does not
                  carry it and the folder has no config.json
  --help          print this help`;

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: "string" },
      config: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(
      `Cannot export as exactly one run folder must be given: current value is ${positionals.length} arguments\n\n${USAGE}`,
    );
    return 2;
  }
  const config = values.config === undefined
    ? undefined
    : JSON.parse(await Deno.readTextFile(values.config)) as RunConfig;
  const exported = await exportRun(
    { checkpointDir: positionals[0], config },
    values.out,
  );
  const reported = exported.reported === undefined
    ? "no evaluation reported"
    : `reported eval loss ${exported.reported.evalLoss.toFixed(4)}, metric ${
      exported.reported.metric.toFixed(4)
    }`;
  console.log(
    `export ${
      positionals[0]
    }: ${exported.kind}, ${exported.parameterCount} parameters, step ${exported.step}, ${reported} -> ${exported.path} (${exported.bytes} bytes, opset 17)`,
  );
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`export: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
