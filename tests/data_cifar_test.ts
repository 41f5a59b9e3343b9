// The CIFAR loaders on files this test writes in the official binary
// layout (the real files cannot be downloaded here), the tar reader against
// the system's tar, and the download path's MD5 check.
import { assert } from "./_assert.ts";
import {
  decodeCifarRecords,
  extractCifarArchive,
  loadCifar,
  readTar,
} from "../lib/data/cifar.ts";
import { DataIntegrityError, hexDigest } from "../lib/data/fetch_file.ts";

// Record i of a synthetic file: label = (i * 7 + offset) % classes, and
// channel c of pixel p holds (i + 3 p + 50 c) % 256, stored as three planes.
function writeRecords(
  count: number,
  labelBytes: number,
  classes: number,
  offset: number,
): Uint8Array {
  const recordSize = labelBytes + 3072;
  const out = new Uint8Array(count * recordSize);
  for (let i = 0; i < count; i++) {
    const base = i * recordSize;
    const label = (i * 7 + offset) % classes;
    if (labelBytes === 2) out[base] = label % 20; // coarse label
    out[base + labelBytes - 1] = label;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 1024; p++) {
        out[base + labelBytes + c * 1024 + p] = (i + offset + 3 * p + 50 * c) %
          256;
      }
    }
  }
  return out;
}

async function rejects(
  run: () => Promise<unknown>,
  ErrorClass: new (...args: never[]) => Error,
  fragment: string,
) {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  assert.ok(
    caught instanceof ErrorClass,
    `expected ${ErrorClass.name}, got ${caught}`,
  );
  assert.ok(
    (caught as Error).message.includes(fragment),
    (caught as Error).message,
  );
}

Deno.test("loadCifar(10) reads five training files and a test file, pixels in height-width-channel order", async () => {
  const dataDir = await Deno.makeTempDir();
  const folder = `${dataDir}/cifar-10-batches-bin`;
  await Deno.mkdir(folder);
  for (let b = 1; b <= 5; b++) {
    await Deno.writeFile(
      `${folder}/data_batch_${b}.bin`,
      writeRecords(20, 1, 10, 20 * (b - 1)),
    );
  }
  await Deno.writeFile(
    `${folder}/test_batch.bin`,
    writeRecords(10, 1, 10, 1000),
  );
  const cifar = await loadCifar(10, {
    dataDir,
    cacheDir: "/nonexistent",
    download: false,
  });
  // 100 training records: the last floor(100 / 5) = 20 are validation.
  assert.deepEqual([
    cifar.train.count,
    cifar.validation.count,
    cifar.test.count,
  ], [80, 20, 10]);
  assert.deepEqual([cifar.height, cifar.width, cifar.channels, cifar.classes], [
    32,
    32,
    3,
    10,
  ]);
  // Training record 45 (file 3, record 5): offset 40, i = 5.
  const record = 45;
  assert.equal(cifar.train.labels[record], (5 * 7 + 40) % 10);
  const pixel = 33; // row 1, column 1
  for (let c = 0; c < 3; c++) {
    assert.equal(
      cifar.train.images[record * 3072 + pixel * 3 + c],
      (5 + 40 + 3 * pixel + 50 * c) % 256,
    );
  }
  // Validation record 0 is training record 80 (file 5, i = 0, offset 80).
  assert.equal(cifar.validation.labels[0], 80 % 10);
  assert.equal(cifar.test.labels[3], (3 * 7 + 1000) % 10);
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("loadCifar(100) keeps the fine label of two-byte records", async () => {
  const dataDir = await Deno.makeTempDir();
  const folder = `${dataDir}/cifar-100-binary`;
  await Deno.mkdir(folder);
  await Deno.writeFile(`${folder}/train.bin`, writeRecords(30, 2, 100, 0));
  await Deno.writeFile(`${folder}/test.bin`, writeRecords(5, 2, 100, 7));
  const cifar = await loadCifar(100, {
    dataDir,
    cacheDir: "/nonexistent",
    download: false,
  });
  assert.equal(cifar.classes, 100);
  assert.deepEqual([...cifar.train.labels.subarray(0, 4)], [0, 7, 14, 21]);
  assert.deepEqual([...cifar.test.labels], [7, 14, 21, 28, 35]);
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("loadCifar() rejects truncated records, bad labels and a SHA256SUMS mismatch", async () => {
  const dataDir = await Deno.makeTempDir();
  const folder = `${dataDir}/cifar-100-binary`;
  await Deno.mkdir(folder);
  const good = writeRecords(10, 2, 100, 0);
  await Deno.writeFile(`${folder}/test.bin`, writeRecords(5, 2, 100, 0));
  await Deno.writeFile(
    `${folder}/train.bin`,
    good.subarray(0, good.length - 10),
  );
  const options = { dataDir, cacheDir: "/nonexistent", download: false };
  await rejects(
    () => loadCifar(100, options),
    DataIntegrityError,
    "must hold whole 3074-byte CIFAR records: current value is 30730 bytes (truncated?)",
  );
  const badLabel = good.slice();
  badLabel[3074 * 2 + 1] = 100;
  await Deno.writeFile(`${folder}/train.bin`, badLabel);
  await rejects(
    () => loadCifar(100, options),
    DataIntegrityError,
    "labels must be below 100: current value is 100 in record 2",
  );
  await Deno.writeFile(`${folder}/train.bin`, good);
  await Deno.writeTextFile(
    `${folder}/SHA256SUMS`,
    `${"0".repeat(64)}  train.bin\n`,
  );
  await rejects(
    () => loadCifar(100, options),
    DataIntegrityError,
    `must have sha256 ${"0".repeat(64)}: current value is ${
      hexDigest("sha256", good)
    }`,
  );
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("decodeCifarRecords() reorders planes to pixels", () => {
  const record = new Uint8Array(1 + 3072);
  record[0] = 4;
  record[1] = 10; // red of pixel 0
  record[1 + 1024] = 20; // green of pixel 0
  record[1 + 2048 + 1023] = 30; // blue of the last pixel
  const split = decodeCifarRecords([{ name: "one", bytes: record }], 1, 10);
  assert.deepEqual([...split.images.subarray(0, 3)], [10, 20, 0]);
  assert.equal(split.images[3071], 30);
  assert.deepEqual([...split.labels], [4]);
});

Deno.test("readTar() lists the files the system's tar archived", async () => {
  const folder = await Deno.makeTempDir();
  await Deno.mkdir(`${folder}/cifar-10-batches-bin`);
  const long = `${"x".repeat(120)}.bin`; // needs a GNU long-name entry
  await Deno.writeFile(
    `${folder}/cifar-10-batches-bin/a.bin`,
    new Uint8Array(1500).fill(7),
  );
  await Deno.writeFile(
    `${folder}/cifar-10-batches-bin/${long}`,
    new Uint8Array([1, 2, 3]),
  );
  const tar = await new Deno.Command("tar", {
    args: ["--format=gnu", "-cf", "-", "-C", folder, "cifar-10-batches-bin"],
    stdout: "piped",
  }).output();
  assert.ok(tar.success, "tar must be installed");
  const files = readTar(tar.stdout);
  assert.deepEqual(
    [...files.keys()].sort(),
    [
      `cifar-10-batches-bin/${long}`,
      "cifar-10-batches-bin/a.bin",
    ].sort(),
  );
  assert.deepEqual(
    files.get("cifar-10-batches-bin/a.bin"),
    new Uint8Array(1500).fill(7),
  );
  assert.throws(
    () => readTar(tar.stdout.subarray(0, 1024)),
    DataIntegrityError,
  );
  await Deno.remove(folder, { recursive: true });
});

Deno.test("loadCifar() downloads the tarball, rejects it on an MD5 mismatch and leaves nothing behind", async () => {
  const cacheDir = await Deno.makeTempDir();
  const { gzipSync } = await import("node:zlib");
  const fake = new Uint8Array(gzipSync(new Uint8Array(2048)));
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
  }, (request) => {
    const path = new URL(request.url).pathname;
    return path === "/~kriz/cifar-10-binary.tar.gz"
      ? new Response(fake)
      : new Response("missing", { status: 404 });
  });
  try {
    await rejects(
      () =>
        loadCifar(10, {
          cacheDir,
          dataDir: "/nonexistent",
          mirror: `http://127.0.0.1:${server.addr.port}`,
        }),
      DataIntegrityError,
      `must have md5 c32a1d4ab5d03f1284b67883e8d87530: current value is ${
        hexDigest("md5", fake)
      }`,
    );
    const left: string[] = [];
    for await (const entry of Deno.readDir(cacheDir)) left.push(entry.name);
    assert.deepEqual(left, []);
  } finally {
    await server.shutdown();
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("extractCifarArchive() unpacks an official-layout tarball atomically, with checksums later loads verify", async () => {
  const folder = await Deno.makeTempDir();
  await Deno.mkdir(`${folder}/src/cifar-10-batches-bin`, { recursive: true });
  const names = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`).concat(
    "test_batch.bin",
  );
  for (const [i, name] of names.entries()) {
    await Deno.writeFile(
      `${folder}/src/cifar-10-batches-bin/${name}`,
      writeRecords(5, 1, 10, 10 * i),
    );
  }
  await Deno.writeTextFile(
    `${folder}/src/cifar-10-batches-bin/batches.meta.txt`,
    "airplane\n",
  );
  const tar = await new Deno.Command("tar", {
    args: ["-czf", "-", "-C", `${folder}/src`, "cifar-10-batches-bin"],
    stdout: "piped",
  }).output();
  assert.ok(tar.success, "tar must be installed");
  const cache = `${folder}/cache`;
  const files = await extractCifarArchive(tar.stdout, 10, cache);
  assert.deepEqual([...files.keys()], names);
  const written: string[] = [];
  for await (const entry of Deno.readDir(`${cache}/cifar-10-batches-bin`)) {
    written.push(entry.name);
  }
  assert.deepEqual(written.sort(), [...names, "SHA256SUMS"].sort());
  const cifar = await loadCifar(10, {
    cacheDir: cache,
    dataDir: "/nonexistent",
    download: false,
  });
  assert.deepEqual([
    cifar.train.count,
    cifar.validation.count,
    cifar.test.count,
  ], [20, 5, 5]);
  // Tampering with an extracted file is caught by the recorded checksum.
  const tampered = writeRecords(5, 1, 10, 99);
  await Deno.writeFile(
    `${cache}/cifar-10-batches-bin/data_batch_2.bin`,
    tampered,
  );
  await rejects(
    () =>
      loadCifar(10, {
        cacheDir: cache,
        dataDir: "/nonexistent",
        download: false,
      }),
    DataIntegrityError,
    `data_batch_2.bin as its content must have sha256 ${
      hexDigest("sha256", files.get("data_batch_2.bin")!)
    }`,
  );
  await rejects(
    () => extractCifarArchive(tar.stdout.subarray(0, 100), 10, cache),
    DataIntegrityError,
    "Cannot extract cifar-10-binary.tar.gz",
  );
  await Deno.remove(folder, { recursive: true });
});
