/**
 * Turning the driver's row stream into byot's source items: pulling rows from a Node `Readable` in
 * chunks without an `await` per row (the Readable stays paused while the consumer is busy, which is
 * the backpressure), building {@linkcode SourceItem}s, and the per-row check that lets a resume
 * prove it re-reads the same rows.
 *
 * @module
 */
import type { Readable } from "node:stream";
import { type Clock, systemClock } from "../../common/clock.ts";
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

/** Options of {@linkcode pullRows}. */
export interface PullRowsOptions {
  /** Stops the read with the signal's reason. */
  signal?: AbortSignal;
  /** Maps the stream's error before it is thrown. */
  mapError?: (error: unknown) => unknown;
  /**
   * Longest wait, in ms, for the stream's next row, end or error while the consumer is waiting; then
   * the read fails with `onStall()`. Guards against a stream that goes silent (snowflake-sdk 3.3.0
   * swallows the error of a chunk it cannot parse, and its row stream then never ends).
   * @default no limit
   */
  stallMs?: number;
  /** Times `stallMs`. @default systemClock */
  clock?: Clock;
  /** The error thrown after `stallMs`. @default an Error saying the row stream stalled */
  onStall?: () => unknown;
}

/**
 * Reads an object-mode Readable in arrays of up to `chunkRows` rows. Nothing is read between two
 * pulls of the consumer, so a slow consumer pauses the stream (and the driver's chunk downloads).
 * Destroys the stream when the consumer stops early, on error, on a stall, and on abort.
 *
 * @example
 * ```ts ignore
 * for await (const rows of pullRows(statement.streamRows(), 1000, { stallMs: 900_000 })) handle(rows);
 * ```
 *
 * @throws the stream's error, mapped through `mapError`, `onStall()` when the stream stays silent for
 *   `stallMs` while the consumer waits, or `signal.reason` on abort.
 */
export async function* pullRows(
  stream: Readable,
  chunkRows: number,
  options: PullRowsOptions = {},
): AsyncGenerator<RawRow[]> {
  const { signal, stallMs } = options;
  const clock = options.clock ?? systemClock;
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
  /** Waits for `notify()`; true when `stallMs` passed first. */
  const stalled = async (ms: number): Promise<boolean> => {
    const timer = new AbortController();
    const woken = new Promise<boolean>((resolve) => wake = () => resolve(false));
    const timedOut = clock.sleep(ms, timer.signal).then(() => true, () => false);
    try {
      return await Promise.race([woken, timedOut]);
    } finally {
      timer.abort();
      wake = undefined;
    }
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
      if (signalled) continue;
      if (stallMs === undefined) await new Promise<void>((resolve) => wake = resolve);
      else if (await stalled(stallMs) && !signalled) {
        throw options.onStall ? options.onStall() : new Error(`the row stream stalled for ${stallMs} ms`);
      }
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
