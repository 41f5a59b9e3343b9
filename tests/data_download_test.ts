// The download path of the dataset loaders, against a local HTTP server on
// 127.0.0.1 that serves real files, a truncated one, a corrupted one, a
// connection cut mid-transfer and a missing one. Files come from the shared
// data folder (UBA_DATA_DIR, else ../shared/data next to the repository).
import { assert } from "./_assert.ts";
import {
  DataIntegrityError,
  type DatasetFile,
  ensureFile,
  hexDigest,
} from "../lib/data/fetch_file.ts";
import { loadFashionMnist } from "../lib/data/fashion_mnist.ts";
import { loadTinyShakespeare } from "../lib/data/tinyshakespeare.ts";

const sharedData = Deno.env.get("UBA_DATA_DIR") ??
  new URL("../../shared/data", import.meta.url).pathname;
const labels = await Deno.readFile(
  `${sharedData}/fashion-mnist/t10k-labels-idx1-ubyte.gz`,
).catch((error) => {
  throw new Error(
    `These tests need the shared data folder: set UBA_DATA_DIR (looked in ${sharedData}): ${error}`,
  );
});

// Routes of the test server: path -> how to answer.
type Route = (request: Request) => Response;
const requests: string[] = [];
const routes = new Map<string, Route>();
const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  (request) => {
    const path = new URL(request.url).pathname;
    requests.push(path);
    const route = routes.get(path);
    return route ? route(request) : new Response("missing", { status: 404 });
  },
);
const base = `http://127.0.0.1:${server.addr.port}`;

function serveBytes(path: string, bytes: Uint8Array) {
  routes.set(path, () => new Response(bytes.slice()));
}

async function entries(folder: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(folder)) names.push(entry.name);
  return names.sort();
}

async function rejects(
  run: () => Promise<unknown>,
  ErrorClass: new (...args: never[]) => Error,
  ...fragments: string[]
): Promise<Error> {
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
  for (const fragment of fragments) {
    assert.ok(
      (caught as Error).message.includes(fragment),
      (caught as Error).message,
    );
  }
  return caught as Error;
}

const gunzipDigest = {
  algorithm: "sha256" as const,
  hex: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
  of: "gunzip" as const,
};
function labelsFile(name: string): DatasetFile {
  return {
    path: `fashion-mnist/${name}`,
    url: `${base}/data/fashion/${name}`,
    digest: gunzipDigest,
  };
}

Deno.test("ensureFile() downloads into the cache, verifies, and then reuses the cached file", async () => {
  const cacheDir = await Deno.makeTempDir();
  serveBytes("/data/fashion/good.gz", labels);
  requests.length = 0;
  const first = await ensureFile(labelsFile("good.gz"), {
    cacheDir,
    dataDir: "/nonexistent",
  });
  assert.deepEqual(first.bytes, labels);
  assert.equal(first.path, `${cacheDir}/fashion-mnist/good.gz`);
  assert.deepEqual(await entries(`${cacheDir}/fashion-mnist`), ["good.gz"]);
  const second = await ensureFile(labelsFile("good.gz"), {
    cacheDir,
    dataDir: "/nonexistent",
  });
  assert.deepEqual(second.bytes, labels);
  assert.deepEqual(
    requests,
    ["/data/fashion/good.gz"],
    "the second call must not download",
  );
  // The gunzipped content is what the digest covers: 8-byte header + 10,000 labels.
  assert.equal(first.content.length, 10008);
  await Deno.remove(cacheDir, { recursive: true });
});

Deno.test("ensureFile() rejects a truncated download and leaves no file behind", async () => {
  const cacheDir = await Deno.makeTempDir();
  serveBytes("/data/fashion/short.gz", labels.subarray(0, labels.length - 100));
  await rejects(
    () => ensureFile(labelsFile("short.gz"), { cacheDir }),
    DataIntegrityError,
    "must be a complete gzip stream (truncated or corrupted?)",
  );
  assert.deepEqual(await entries(`${cacheDir}/fashion-mnist`), []);
  await Deno.remove(cacheDir, { recursive: true });
});

Deno.test("ensureFile() rejects a corrupted download by its checksum and leaves no file behind", async () => {
  const cacheDir = await Deno.makeTempDir();
  // A valid gzip stream of different content: only the digest can catch it.
  const text = new TextEncoder().encode("not the labels");
  const { gzipSync } = await import("node:zlib");
  serveBytes("/data/fashion/other.gz", gzipSync(text));
  const error = await rejects(
    () => ensureFile(labelsFile("other.gz"), { cacheDir }),
    DataIntegrityError,
    `must have sha256 ${gunzipDigest.hex}: current value is ${
      hexDigest("sha256", text)
    }`,
  );
  assert.match(
    error.message,
    /^Cannot use the download of http:\/\/127\.0\.0\.1:\d+\/data\/fashion\/other\.gz/,
  );
  assert.deepEqual(await entries(`${cacheDir}/fashion-mnist`), []);
  // A flipped byte inside the deflate stream fails too.
  const flipped = labels.slice();
  flipped[labels.length >> 1] ^= 0xff;
  serveBytes("/data/fashion/flipped.gz", flipped);
  await rejects(
    () => ensureFile(labelsFile("flipped.gz"), { cacheDir }),
    DataIntegrityError,
  );
  assert.deepEqual(await entries(`${cacheDir}/fashion-mnist`), []);
  await Deno.remove(cacheDir, { recursive: true });
});

Deno.test("ensureFile() reports a transfer cut short against Content-Length and leaves no file behind", async () => {
  const cacheDir = await Deno.makeTempDir();
  routes.set("/data/fashion/cut.gz", () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        // The stream ends early while the header promised the whole file.
        controller.enqueue(labels.slice(0, 1000));
        controller.close();
      },
    });
    return new Response(body, {
      headers: { "content-length": String(labels.length) },
    });
  });
  await rejects(
    () => ensureFile(labelsFile("cut.gz"), { cacheDir }),
    DataIntegrityError,
    "as the transfer must complete: current value is 1000 bytes received",
  );
  assert.deepEqual(await entries(`${cacheDir}/fashion-mnist`), []);
  await Deno.remove(cacheDir, { recursive: true });
});

Deno.test("ensureFile() reports a missing file, and refuses to download when downloads are off", async () => {
  const cacheDir = await Deno.makeTempDir();
  await rejects(
    () => ensureFile(labelsFile("absent.gz"), { cacheDir }),
    Error,
    "as the server must answer 200: current value is 404",
  );
  await rejects(
    () => ensureFile(labelsFile("absent.gz"), { cacheDir, download: false }),
    Error,
    "must be in the data folder or the cache when downloads are off",
  );
  await Deno.remove(cacheDir, { recursive: true });
});

Deno.test("ensureFile() reads the data folder first and rejects a corrupted file there", async () => {
  const dataDir = await Deno.makeTempDir();
  await Deno.mkdir(`${dataDir}/fashion-mnist`);
  await Deno.writeFile(`${dataDir}/fashion-mnist/local.gz`, labels);
  requests.length = 0;
  const found = await ensureFile(labelsFile("local.gz"), {
    dataDir,
    cacheDir: "/nonexistent",
  });
  assert.equal(found.path, `${dataDir}/fashion-mnist/local.gz`);
  assert.deepEqual(requests, []);
  await Deno.writeFile(
    `${dataDir}/fashion-mnist/local.gz`,
    labels.subarray(0, 500),
  );
  await rejects(
    () =>
      ensureFile(labelsFile("local.gz"), { dataDir, cacheDir: "/nonexistent" }),
    DataIntegrityError,
    `Cannot use ${dataDir}/fashion-mnist/local.gz`,
  );
  await Deno.remove(dataDir, { recursive: true });
});

Deno.test("loadFashionMnist() and loadTinyShakespeare() download from a mirror of their canonical addresses", async () => {
  const cacheDir = await Deno.makeTempDir();
  for (
    const name of [
      "train-images-idx3-ubyte.gz",
      "train-labels-idx1-ubyte.gz",
      "t10k-images-idx3-ubyte.gz",
      "t10k-labels-idx1-ubyte.gz",
    ]
  ) {
    serveBytes(
      `/zalandoresearch/fashion-mnist/master/data/fashion/${name}`,
      await Deno.readFile(`${sharedData}/fashion-mnist/${name}`),
    );
  }
  serveBytes(
    "/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
    await Deno.readFile(`${sharedData}/tinyshakespeare/input.txt`),
  );
  const location = { cacheDir, dataDir: "/nonexistent", mirror: base };
  const fashion = await loadFashionMnist(location);
  assert.deepEqual([
    fashion.train.count,
    fashion.validation.count,
    fashion.test.count,
  ], [55000, 5000, 10000]);
  const text = await loadTinyShakespeare(location);
  assert.equal(text.vocabulary.length, 65);
  assert.deepEqual(await entries(`${cacheDir}/fashion-mnist`), [
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
  ]);
  assert.deepEqual(await entries(`${cacheDir}/tinyshakespeare`), ["input.txt"]);
  await Deno.remove(cacheDir, { recursive: true });
});

Deno.test({
  name: "the test server shuts down",
  fn: async () => {
    await server.shutdown();
  },
});
