// lib/mod.ts is meant to be imported by URL from any Deno project: no import
// map, no npm, no permissions. These tests use it exactly that way.

import { assert } from "./_assert.ts";

const MOD = new URL("../lib/mod.ts", import.meta.url);

Deno.test("a program outside the project imports lib/mod.ts by URL with no permissions", async () => {
  const dir = await Deno.makeTempDir({ prefix: "uba-import-" });
  try {
    const program = `
      import { cosine, sample, uba } from ${JSON.stringify(MOD.href)};
      const lr = uba({ peakLr: 1, minLr: 0.1, phi: 2, totalSteps: 8 });
      const rates = sample(lr, 9);
      const same = rates.every((r, t) => Math.abs(r - cosine({ peakLr: 1, minLr: 0.1, totalSteps: 8 })(t)) < 1e-12);
      console.log(JSON.stringify({ name: lr.name, first: rates[0], last: rates[8], same }));
    `;
    await Deno.writeTextFile(`${dir}/main.ts`, program);
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-config",
        "--no-lock",
        "--no-npm",
        "--no-remote",
        "--no-prompt",
        "main.ts",
      ],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), {
      name: "uba(phi=2)",
      first: 1,
      last: 0.1,
      same: true,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lib/mod.ts and everything it imports are local modules with relative imports", async () => {
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--no-config", MOD.href],
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.ok(success);
  const graph = JSON.parse(new TextDecoder().decode(stdout)) as {
    modules: { specifier: string; dependencies?: { specifier: string }[] }[];
    npmPackages: Record<string, unknown>;
  };
  const libDir = new URL("../lib/", import.meta.url).href;
  assert.deepEqual(graph.npmPackages, {});
  for (const module of graph.modules) {
    assert.ok(
      module.specifier.startsWith(libDir),
      `outside lib/: ${module.specifier}`,
    );
    for (const dependency of module.dependencies ?? []) {
      assert.ok(
        dependency.specifier.startsWith("./") ||
          dependency.specifier.startsWith("../"),
        `${module.specifier} imports ${dependency.specifier}`,
      );
    }
  }
  assert.ok(
    graph.modules.length >= 10,
    "the schedule modules are in the graph",
  );
});
