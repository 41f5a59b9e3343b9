// The one way the kit writes a file that must never be seen half-written:
// a temporary file in the same folder, flushed to disk, then renamed over
// the target. On any failure the temporary file is removed and the target
// is left as it was.

/**
 * Writes `bytes` to `path` atomically.
 *
 * @param path The file to create or replace.
 * @param bytes Its new content.
 * @throws {Deno.errors.NotFound} If the folder does not exist; any other
 * error of the write or the rename, after removing the temporary file.
 */
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array,
): Promise<void> {
  const temporary = `${path}.${Deno.pid}-${
    crypto.randomUUID().slice(0, 8)
  }.tmp`;
  try {
    const file = await Deno.open(temporary, { write: true, createNew: true });
    try {
      let written = 0;
      while (written < bytes.length) {
        written += await file.write(bytes.subarray(written));
      }
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}
