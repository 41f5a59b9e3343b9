/**
 * A stable identity for a training config: the same settings always give
 * the same hash, whatever the order of the object's keys.
 *
 * @module
 */
import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted at every level and `undefined` fields left
 * out, so that equal configs serialise to equal strings.
 *
 * @param value Any JSON-serialisable value.
 * @returns The canonical JSON text.
 * @throws {TypeError} If the value holds a non-finite number, a function, a
 * symbol or a bigint, which JSON cannot represent faithfully.
 *
 * @example Key order does not matter
 * ```ts
 * import { canonicalJson } from "./config_hash.ts";
 *
 * if (canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }) !==
 *     '{"a":[2,{"c":4,"d":3}],"b":1}') throw new Error("unexpected");
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean") {
    return JSON.stringify(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new TypeError(
        `Cannot hash a config as every number must be finite: current value is ${value}`,
      );
    }
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`);
    return `{${entries.join(",")}}`;
  }
  throw new TypeError(
    `Cannot hash a config as it must hold only JSON values: current value is ${typeof value}`,
  );
}

/**
 * The identity of a config: the first 16 hex digits (64 bits) of the
 * SHA-256 of its {@linkcode canonicalJson}.
 *
 * @param config A JSON-serialisable training config.
 * @returns 16 lowercase hex digits.
 * @throws {TypeError} As {@linkcode canonicalJson}.
 *
 * @example
 * ```ts
 * import { configHash } from "./config_hash.ts";
 *
 * if (configHash({ a: 1, b: 2 }) !== configHash({ b: 2, a: 1 })) {
 *   throw new Error("unstable hash");
 * }
 * ```
 */
export function configHash(config: unknown): string {
  return createHash("sha256").update(canonicalJson(config)).digest("hex")
    .slice(0, 16);
}
