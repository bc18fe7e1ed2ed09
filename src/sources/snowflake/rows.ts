/**
 * Turning the driver's row stream into byot's source items: pulling rows from a Node `Readable` in
 * chunks without an `await` per row (the Readable stays paused while the consumer is busy, which is
 * the backpressure), building {@linkcode SourceItem}s, and the per-row check that lets a resume
 * prove it re-reads the same rows.
 *
 * @module
 */
import type { Readable } from "node:stream";
import type { SourceItem } from "../../common/types.ts";

/** A row in the driver's `array` row mode: strings (everything is fetched as a string) or null. */
export type RawRow = readonly unknown[];

/**
 * A short hash of a (value, token) pair: FNV-1a (32-bit) over the value, a separator and the token,
 * as 8 hex digits. NULL hashes differently from an empty string. Not reversible to the pair.
 *
 * @example
 * ```ts
 * rowCheck("ANN LEE", "tok_1"); // "5d7e0b0a"-like, stable across runs
 * ```
 */
export function rowCheck(value: string | null, token: string | null): string {
  let h = 0x811c9dc5;
  const mix = (text: string | null) => {
    if (text === null) {
      h = Math.imul(h ^ 0x01, 0x01000193);
      return;
    }
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  };
  mix(value);
  h = Math.imul(h ^ 0x00, 0x01000193);
  h = Math.imul(h ^ 0xff, 0x01000193);
  mix(token);
  return (h >>> 0).toString(16).padStart(8, "0");
}

function text(cell: unknown): string | null {
  if (cell === null || cell === undefined) return null;
  return typeof cell === "string" ? cell : String(cell);
}

/**
 * The item for a row at `position`. NULL cells give `skip: "null_value"` / `"null_token"`, empty
 * strings `"empty_value"` / `"empty_token"` (value first); skipped cells read as `""`.
 */
export function itemOf(row: RawRow, position: number): SourceItem {
  const value = text(row[0]);
  const token = text(row[1]);
  const item: SourceItem = {
    position,
    value: value ?? "",
    token: token ?? "",
    cursor: { position, check: rowCheck(value, token) },
  };
  if (value === null) item.skip = "null_value";
  else if (value === "") item.skip = "empty_value";
  else if (token === null) item.skip = "null_token";
  else if (token === "") item.skip = "empty_token";
  return item;
}

/**
 * Reads an object-mode Readable in arrays of up to `chunkRows` rows. Nothing is read between two
 * pulls of the consumer, so a slow consumer pauses the stream (and the driver's chunk downloads).
 * Destroys the stream when the consumer stops early, on error, and on abort.
 *
 * @throws the stream's error, mapped through `mapError`, or `signal.reason` on abort.
 */
export async function* pullRows(
  stream: Readable,
  chunkRows: number,
  options: { signal?: AbortSignal; mapError?: (error: unknown) => unknown } = {},
): AsyncGenerator<RawRow[]> {
  const { signal } = options;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let signalled = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    signalled = true;
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (error: unknown) => {
    failure ??= { error };
    notify();
  };
  stream.on("readable", notify);
  stream.on("end", onEnd);
  stream.on("error", onError);
  signal?.addEventListener("abort", notify);
  try {
    let out: RawRow[] = [];
    while (true) {
      signalled = false;
      while (out.length < chunkRows) {
        const row = stream.read() as RawRow | null;
        if (row === null) break;
        out.push(row);
      }
      signal?.throwIfAborted();
      if (failure) throw options.mapError ? options.mapError(failure.error) : failure.error;
      if (out.length >= chunkRows || (ended && out.length > 0)) {
        yield out;
        out = [];
        continue;
      }
      if (ended) return;
      if (!signalled) await new Promise<void>((resolve) => wake = resolve);
    }
  } finally {
    signal?.removeEventListener("abort", notify);
    stream.off("readable", notify);
    stream.off("end", onEnd);
    stream.destroy();
    // a late error from the destroyed stream must not become an unhandled 'error' event
    stream.on("error", () => {});
    stream.off("error", onError);
  }
}
