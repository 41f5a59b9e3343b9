// Executes every notebook headless with Jupyter and the Deno kernel, at the
// smoke profile, and fails on any error cell.

import { assert } from "./_assert.ts";

const NOTEBOOKS = new URL("../notebooks/", import.meta.url);

interface Output {
  output_type: string;
  ename?: string;
  evalue?: string;
}
interface Cell {
  cell_type: string;
  execution_count?: number | null;
  outputs?: Output[];
}

async function requireJupyter(): Promise<void> {
  const missing =
    "Executing the notebooks needs Jupyter with the Deno kernel: " +
    "apt-get install jupyter-nbconvert python3-ipykernel, then deno jupyter --install (.ci/run does both)";
  const nbconvert = await new Deno.Command("jupyter", {
    args: ["nbconvert", "--version"],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => ({ success: false }));
  if (!nbconvert.success) {
    throw new Error(`${missing}; jupyter nbconvert was not found`);
  }
  const kernels = await new Deno.Command("jupyter", {
    args: ["--data-dir"],
    stdout: "piped",
  }).output();
  const dataDir = new TextDecoder().decode(kernels.stdout).trim();
  try {
    await Deno.stat(`${dataDir}/kernels/deno/kernel.json`);
  } catch {
    throw new Error(`${missing}; no Deno kernelspec in ${dataDir}/kernels`);
  }
}

const names = [...Deno.readDirSync(NOTEBOOKS)]
  .map((entry) => entry.name)
  .filter((name) => name.endsWith(".ipynb"))
  .sort();

Deno.test("the notebooks folder holds the notebooks", () => {
  assert.ok(names.includes("01-schedule-gallery.ipynb"), `found: ${names}`);
});

for (const name of names) {
  Deno.test(`notebook ${name} runs headless without an error cell`, async () => {
    await requireJupyter();
    const outDir = await Deno.makeTempDir({ prefix: "uba-nb-" });
    try {
      const { code, stderr } = await new Deno.Command("jupyter", {
        args: [
          "nbconvert",
          "--to",
          "notebook",
          "--execute",
          "--ExecutePreprocessor.timeout=900",
          "--output-dir",
          outDir,
          name,
        ],
        cwd: NOTEBOOKS.pathname,
        env: {
          UBA_PROFILE: Deno.env.get("UBA_PROFILE") ?? "smoke",
          NO_COLOR: "1",
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const log = new TextDecoder().decode(stderr);
      assert.equal(
        code,
        0,
        `nbconvert failed on ${name}:\n${log.slice(-4000)}`,
      );
      const executed = JSON.parse(await Deno.readTextFile(`${outDir}/${name}`));
      const cells = (executed.cells as Cell[]).filter((c) =>
        c.cell_type === "code"
      );
      assert.ok(cells.length > 0, `${name} has no code cell`);
      for (const [i, cell] of cells.entries()) {
        assert.ok(
          cell.execution_count != null,
          `code cell ${i} of ${name} did not run`,
        );
        const error = cell.outputs?.find((o) => o.output_type === "error");
        assert.equal(
          error,
          undefined,
          `code cell ${i} of ${name}: ${error?.ename}: ${error?.evalue}`,
        );
      }
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
  });
}
