/**
 * Sharding: `--shard i/n` splits one load into `n` disjoint parts that together cover the source
 * exactly once, so `n` processes (a Kubernetes Indexed Job, an AWS Batch array job) can load it side by
 * side. Shards are **0-based**: `0/8` … `7/8`.
 *
 * - CSV (and any source with stable positions): a row belongs to shard `i` when `position % n === i`.
 *   Positions stay global, so suffixes, `--start-record`/`--max-records` and the ledger's positions mean
 *   the same in every shard; rows of other shards are dropped silently (not counted as skipped).
 * - Snowflake: each shard runs its own query with {@linkcode snowflakeShardPredicate}, a hash of the
 *   row's value and token, so a shard reads only its rows.
 *
 * Where the shard comes from (first match wins): `--shard`, `BYOT_SHARD`, then `BYOT_SHARD_COUNT` with
 * the index the batch platform sets (`JOB_COMPLETION_INDEX`, else `AWS_BATCH_JOB_ARRAY_INDEX`).
 * `--shard auto` / `BYOT_SHARD=auto` asks for the platform index explicitly.
 *
 * @module
 */
import { ConfigError } from "../common/errors.ts";
import { parseIntStrict, quote } from "./rules.ts";
import { formatInt } from "../report/format.ts";

/** One shard of `count`: rows whose position modulo `count` is `index` (0 ≤ index < count). */
export interface Shard {
  /** 0-based index of this shard. */
  index: number;
  /** Number of shards (≥ 1). */
  count: number;
}

/** Variables a batch platform sets to the 0-based index of an array member, in the order tried. */
export const PLATFORM_INDEX_VARIABLES: readonly string[] = [
  "JOB_COMPLETION_INDEX",
  "AWS_BATCH_JOB_ARRAY_INDEX",
];

/** Largest shard count accepted (a sanity bound, far above any useful parallelism). */
export const MAX_SHARDS = 10_000;

/**
 * Parses `i/n` (0-based: `0/8` is the first of eight, `7/8` the last).
 *
 * @param label where the text came from, for the message (`--shard`, `BYOT_SHARD`).
 * @throws {ConfigError} `--shard must be i/n with 0 ≤ i < n (shards are numbered from 0) (got "8/8")`.
 * @example
 * ```ts
 * parseShard("3/8", "--shard"); // { index: 3, count: 8 }
 * ```
 */
export function parseShard(text: string, label: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = match ? parseIntStrict(match[1]) : undefined;
  const count = match ? parseIntStrict(match[2]) : undefined;
  if (index === undefined || count === undefined) {
    throw new ConfigError(`${label} must be i/n, e.g. 0/8, or auto (got ${quote(text)})`);
  }
  return checkShard(index, count, `${label} ${quote(text)}`);
}

/** `i/n`, the form stored in the ledger and shown in messages. */
export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** Reads a variable of the environment; empty counts as unset. */
export type EnvLookup = (name: string) => string | undefined;

/** Inputs of {@linkcode resolveShard}. */
export interface ShardInput {
  /** `--shard` as typed (`i/n` or `auto`); absent = not given. */
  flag?: string;
  /** The environment (`BYOT_SHARD`, `BYOT_SHARD_COUNT`, the platform index variables). */
  env: EnvLookup;
}

/**
 * The shard of this process, or `undefined` to load everything. `0/1` (one shard of one) is the same
 * as no shard and returns `undefined`, so it resumes and is resumed by unsharded runs.
 *
 * Precedence: `--shard` > `BYOT_SHARD` > `BYOT_SHARD_COUNT` (which implies `auto`). `auto` takes the
 * index from `JOB_COMPLETION_INDEX`, else `AWS_BATCH_JOB_ARRAY_INDEX`, and the count from
 * `BYOT_SHARD_COUNT`.
 *
 * @throws {ConfigError} for a malformed value, an index out of range, or `auto` without both variables.
 * @example
 * ```ts
 * resolveShard({ env: (n) => ({ JOB_COMPLETION_INDEX: "2", BYOT_SHARD_COUNT: "8" })[n] }); // { index: 2, count: 8 }
 * ```
 */
export function resolveShard(input: ShardInput): Shard | undefined {
  const env = (name: string) => {
    const value = input.env(name);
    return value === undefined || value.trim() === "" ? undefined : value;
  };
  const given = input.flag !== undefined
    ? { text: input.flag, label: "--shard" }
    : env("BYOT_SHARD") !== undefined
    ? { text: env("BYOT_SHARD")!, label: "BYOT_SHARD" }
    : env("BYOT_SHARD_COUNT") !== undefined
    ? { text: "auto", label: "BYOT_SHARD_COUNT" }
    : undefined;
  if (!given) return undefined;
  const shard = given.text.trim().toLowerCase() === "auto"
    ? platformShard(env, given.label)
    : parseShard(given.text, given.label);
  return shard.count === 1 ? undefined : shard;
}

/** The shard from the platform's index variable and `BYOT_SHARD_COUNT`. */
function platformShard(env: EnvLookup, label: string): Shard {
  const name = PLATFORM_INDEX_VARIABLES.find((v) => env(v) !== undefined);
  const what = label === "BYOT_SHARD_COUNT" ? "BYOT_SHARD_COUNT" : `${label} auto`;
  if (name === undefined) {
    throw new ConfigError(
      `${what} needs the shard index in JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or ` +
        "AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job); elsewhere pass --shard i/n",
    );
  }
  const countText = env("BYOT_SHARD_COUNT");
  if (countText === undefined) {
    throw new ConfigError(
      `${what} needs BYOT_SHARD_COUNT, the number of shards (the Job's completions or the array size)`,
    );
  }
  const index = parseIntStrict(env(name)!.trim());
  if (index === undefined) throw new ConfigError(`${name} must be an integer (got ${quote(env(name)!)})`);
  const count = parseIntStrict(countText.trim());
  if (count === undefined) {
    throw new ConfigError(`BYOT_SHARD_COUNT must be an integer (got ${quote(countText)})`);
  }
  return checkShard(index, count, `${name}=${index} with BYOT_SHARD_COUNT=${count}`);
}

/**
 * Checks that `index` and `count` make a shard (1 ≤ count ≤ {@linkcode MAX_SHARDS}, 0 ≤ index < count);
 * `what` names the input in the error.
 *
 * @throws {ConfigError} when they do not.
 */
export function checkShard(index: number, count: number, what: string): Shard {
  if (count < 1 || count > MAX_SHARDS) {
    throw new ConfigError(`${what}: the shard count must be from 1 to ${formatInt(MAX_SHARDS)}`);
  }
  if (index < 0 || index >= count) {
    const hint = index === count ? `; the last of ${count} is ${count - 1}/${count}` : "";
    throw new ConfigError(
      `${what}: the shard index must be from 0 to ${count - 1} (shards are numbered from 0${hint})`,
    );
  }
  return { index, count };
}

/** True when the row at `position` belongs to `shard` (`position % count === index`). */
export function inShard(position: number, shard: Shard): boolean {
  return position % shard.count === shard.index;
}

/**
 * How many positions in `[from, to)` belong to `shard`: a shard's share of a row count, for progress
 * totals (`countInShard(0, 1603, { index: 2, count: 8 })` is 201).
 */
export function countInShard(from: number, to: number, shard: Shard): number {
  const below = (x: number) => x <= shard.index ? 0 : Math.floor((x - shard.index - 1) / shard.count) + 1;
  return to <= from ? 0 : below(to) - below(from);
}
