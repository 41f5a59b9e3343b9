/**
 * The results file: one JSON line per finished run, appended and flushed to
 * disk before the run counts as done. A process killed in the middle of a
 * write leaves at most one unterminated last line, which
 * {@linkcode readResults} ignores and {@linkcode repairResults} cuts off.
 *
 * @module
 */
import type { RunRecord } from "./types.ts";

/** What {@linkcode readResults} found in a results file. */
export interface ResultsContent {
  /** The complete records, first occurrence of each `configHash` only. */
  records: RunRecord[];
  /** Byte length of the complete lines (where a repair would cut). */
  validBytes: number;
  /** Bytes after the last complete line (an interrupted write). */
  trailingBytes: number;
  /** Complete lines whose `configHash` appeared before (left out). */
  duplicates: number;
}

/**
 * Reads a results file. A missing file reads as empty. The text after the
 * last newline is an interrupted write and is not parsed.
 *
 * @param path The JSON-lines file.
 * @returns The records and what was skipped.
 * @throws {SyntaxError} If a newline-terminated line is not valid JSON or
 * has no `configHash`: that is damage no interrupted append can cause, so
 * it is reported instead of silently dropped.
 *
 * @example
 * ```ts
 * import { readResults } from "./results_file.ts";
 *
 * const { records } = await readResults("/nonexistent/results.jsonl");
 * if (records.length !== 0) throw new Error("unexpected");
 * ```
 */
export async function readResults(path: string): Promise<ResultsContent> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { records: [], validBytes: 0, trailingBytes: 0, duplicates: 0 };
    }
    throw error;
  }
  const validBytes = bytes.lastIndexOf(0x0a) + 1;
  const text = new TextDecoder().decode(bytes.subarray(0, validBytes));
  const seen = new Set<string>();
  const records: RunRecord[] = [];
  let duplicates = 0;
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    let record: RunRecord;
    try {
      record = JSON.parse(line);
    } catch {
      throw new SyntaxError(
        `Cannot read results as line ${
          index + 1
        } of ${path} must be valid JSON: current value is ${
          JSON.stringify(line.slice(0, 80))
        }`,
      );
    }
    if (typeof record?.configHash !== "string") {
      throw new SyntaxError(
        `Cannot read results as line ${
          index + 1
        } of ${path} must have a configHash: current value is ${
          JSON.stringify(line.slice(0, 80))
        }`,
      );
    }
    if (seen.has(record.configHash)) {
      duplicates++;
      return;
    }
    seen.add(record.configHash);
    records.push(record);
  });
  return {
    records,
    validBytes,
    trailingBytes: bytes.length - validBytes,
    duplicates,
  };
}

/**
 * Cuts an interrupted last line off a results file, so that the next append
 * starts on a fresh line.
 *
 * @param path The JSON-lines file; a missing file is left missing.
 * @returns The number of bytes removed.
 * @throws {SyntaxError} As {@linkcode readResults}.
 */
export async function repairResults(path: string): Promise<number> {
  const { validBytes, trailingBytes } = await readResults(path);
  if (trailingBytes === 0) return 0;
  await Deno.truncate(path, validBytes);
  return trailingBytes;
}

/**
 * Appends one record as a single line and waits until it is on disk
 * (`fsync`), so that a crash right after cannot lose it.
 *
 * Note: the file must end with a newline (or be empty); call
 * {@linkcode repairResults} once before the first append.
 *
 * @param path The JSON-lines file, created when missing.
 * @param record The finished run.
 */
export async function appendResult(
  path: string,
  record: RunRecord,
): Promise<void> {
  const line = new TextEncoder().encode(JSON.stringify(record) + "\n");
  const file = await Deno.open(path, {
    append: true,
    create: true,
    write: true,
  });
  try {
    let written = 0;
    while (written < line.length) {
      written += await file.write(line.subarray(written));
    }
    await file.sync();
  } finally {
    file.close();
  }
}
