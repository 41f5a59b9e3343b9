// Small assertion helpers over node:assert, shared by the test files.

import assert from "node:assert/strict";

export { assert };

/** Asserts `|actual - expected| <= tolerance * max(1, |expected|)`. */
export function assertClose(
  actual: number,
  expected: number,
  tolerance = 1e-12,
  message = "",
): void {
  const scale = Math.max(1, Math.abs(expected));
  if (!(Math.abs(actual - expected) <= tolerance * scale)) {
    throw new assert.AssertionError({
      message: `${message}expected ${expected}, got ${actual} ` +
        `(difference ${actual - expected}, tolerance ${tolerance * scale})`,
      actual,
      expected,
    });
  }
}

/** Asserts that `fn` throws an instance of `ErrorClass` whose message contains every fragment. */
export function assertThrowsWith(
  fn: () => unknown,
  ErrorClass: new (...args: never[]) => Error,
  ...fragments: string[]
): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught !== undefined, "expected an error, but nothing was thrown");
  assert.ok(
    caught instanceof ErrorClass,
    `expected ${ErrorClass.name}, got ${String(caught)}`,
  );
  for (const fragment of fragments) {
    assert.ok(
      (caught as Error).message.includes(fragment),
      `expected the message to contain ${JSON.stringify(fragment)}: ${
        (caught as Error).message
      }`,
    );
  }
}
