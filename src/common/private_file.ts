/**
 * Writing export files that hold PII: created with mode 0600 under a `.partial` name, written
 * through a buffer, synced, then renamed into place so a reader never sees half a file.
 *
 * @module
 */

/**
 * Creates (or replaces) `path` with mode 0600; `body` writes text through a 64 KiB buffer.
 *
 * @example
 * ```ts
 * writePrivateFile("out.csv", (write) => write("value,token\n"));
 * ```
 */
export function writePrivateFile(path: string, body: (write: (text: string) => void) => void): void {
  const partial = `${path}.partial`;
  const encoder = new TextEncoder();
  const file = Deno.openSync(partial, { create: true, write: true, truncate: true, mode: 0o600 });
  try {
    Deno.chmodSync(partial, 0o600);
    let buffer = "";
    const drain = () => {
      const bytes = encoder.encode(buffer);
      for (let done = 0; done < bytes.length;) done += file.writeSync(bytes.subarray(done));
      buffer = "";
    };
    body((text) => {
      buffer += text;
      if (buffer.length >= 65_536) drain();
    });
    drain();
    file.syncSync();
  } catch (error) {
    file.close();
    Deno.removeSync(partial);
    throw error;
  }
  file.close();
  Deno.renameSync(partial, path);
}
