/**
 * Precedence and validation helpers for {@linkcode resolveLoadSettings}. Each setting is picked from
 * a list of candidates (flag, environment, config) together with a label naming where it came
 * from, so a validation message names the place the user has to fix.
 *
 * @module
 */
import { ConfigError } from "../common/errors.ts";
import type { Io } from "../common/io.ts";

/** A possible value of a setting and where it came from (`--batch-size`, `BYOT_BATCH_SIZE`, ...). */
export type Candidate<T> = readonly [value: T | undefined, label: string];

/** The first candidate that has a value, or `undefined`. */
export function first<T>(...candidates: Candidate<T>[]): { value: T; label: string } | undefined {
  for (const [value, label] of candidates) if (value !== undefined) return { value, label };
  return undefined;
}

/** What an integer setting may be. */
export type IntRule = "positive" | "non-negative";

/**
 * The first candidate's value, or `fallback`, checked against `rule`.
 *
 * @throws {ConfigError} `<label> must be a positive integer (got 0)`.
 */
export function intSetting(rule: IntRule, fallback: number, ...candidates: Candidate<number>[]): number {
  const hit = first(...candidates);
  if (!hit) return fallback;
  checkInt(hit.value, hit.label, rule);
  return hit.value;
}

/** Throws unless `value` is an integer allowed by `rule`. */
export function checkInt(value: number, label: string, rule: IntRule): void {
  const ok = Number.isInteger(value) && (rule === "positive" ? value > 0 : value >= 0);
  if (!ok) throw new ConfigError(`${label} must be a ${rule} integer (got ${value})`);
}

/** An environment variable, with an empty value counted as unset. */
export function envString(io: Io, name: string): string | undefined {
  const value = io.env(name);
  return value === undefined || value === "" ? undefined : value;
}

/**
 * An integer environment variable.
 *
 * @throws {ConfigError} `BYOT_BATCH_SIZE must be an integer (got "abc")`.
 */
export function envInt(io: Io, name: string): number | undefined {
  const value = envString(io, name);
  if (value === undefined) return undefined;
  const n = parseIntStrict(value.trim());
  if (n === undefined) throw new ConfigError(`${name} must be an integer (got ${quote(value)})`);
  return n;
}

/** Parses a base-10 integer (optionally negative); anything else, like `"12x"` or `"1.5"`, is `undefined`. */
export function parseIntStrict(text: string): number | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A value quoted for a message, clipped to 60 characters. Never use it on a secret. */
export function quote(value: string): string {
  const clipped = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return JSON.stringify(clipped);
}

/**
 * Checks an http(s) URL and strips trailing slashes.
 *
 * @throws {ConfigError} `--vault-url must be an http(s) URL (got "ftp://x")`.
 */
export function checkHttpUrl(value: string, label: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value.trim());
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    throw new ConfigError(`${label} must be an http(s) URL (got ${quote(value)})`);
  }
  return value.trim().replace(/\/+$/, "");
}

/**
 * Checks that `path` exists and is a file or a directory.
 *
 * @throws {ConfigError} `--data-dir "data" does not exist`, `... is not a directory`.
 */
export async function checkPath(path: string, label: string, kind: "file" | "directory"): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ConfigError(`${label} ${quote(path)} does not exist`, { cause: error });
    }
    const why = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`${label} ${quote(path)} cannot be read: ${why}`, { cause: error });
  }
  if (kind === "directory" && !info.isDirectory) {
    throw new ConfigError(`${label} ${quote(path)} is not a directory`);
  }
  if (kind === "file" && !info.isFile) throw new ConfigError(`${label} ${quote(path)} is not a file`);
}
