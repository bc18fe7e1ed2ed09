/**
 * A fast estimate of a CSV file's data rows (line breaks, minus the header), for the progress
 * total and ETA. Quoted fields with embedded line breaks make it an overestimate; it is never used
 * for correctness.
 *
 * @module
 */

/**
 * Counts the data rows of `path` by counting `\n` bytes. Returns `undefined` when the file cannot
 * be read or `signal` aborts.
 */
export async function estimateDataRows(path: string, signal?: AbortSignal): Promise<number | undefined> {
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(path, { read: true });
    const buffer = new Uint8Array(1 << 20);
    let lines = 0;
    let last = 10;
    while (!signal?.aborted) {
      const n = await file.read(buffer);
      if (n === null) break;
      for (let i = 0; i < n; i++) if (buffer[i] === 10) lines++;
      if (n > 0) last = buffer[n - 1];
    }
    if (signal?.aborted) return undefined;
    if (last !== 10) lines++;
    return Math.max(0, lines - 1);
  } catch {
    return undefined;
  } finally {
    file?.close();
  }
}
