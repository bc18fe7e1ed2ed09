/**
 * Fingerprints and settings of a run: secrets are stripped before anything is stored, and a resume
 * is refused with one clear line naming the first thing that changed.
 *
 * @module
 */
import { SourceError } from "../common/errors.ts";

/** A key path into a JSON value, e.g. `["files", 0, "size"]`. */
export type JsonPath = (string | number)[];

/** The first place two JSON values differ. `undefined` stands for an absent key. */
export interface JsonDifference {
  /** File path. */
  path: JsonPath;
  /** The stored value (`undefined`: absent). */
  before: unknown;
  /** The current value (`undefined`: absent). */
  after: unknown;
}

/** What {@linkcode checkResumable} needs of a stored run. */
export interface ResumableRun {
  /** Run id. */
  id: string;
  /** Source fingerprint JSON. */
  fingerprint: unknown;
  /** Batch-deciding settings JSON. */
  settings: unknown;
}

// Compared on the key lowercased with `_`, `-` and `.` removed: `bearerToken`, `sf_password`,
// `privateKey`, `client-secret`, `apiKey` go; `tokenColumn`, `tokenOrigin`, `passwordFile` stay.
const SECRET_KEY =
  /(token|password|passwd|passphrase|secret|privatekey|apikey|credential|credentials|authorization|bearer)$/;

/** True when an object key names something secret (`bearerToken`, `password`, `privateKey`, …). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key.toLowerCase().replace(/[_\-.]/g, ""));
}

/**
 * A JSON copy of `value` with every key that names a secret removed, at any depth. Values JSON
 * cannot hold (`undefined`, functions) are dropped as `JSON.stringify` does.
 *
 * @example
 * ```ts
 * stripSecrets({ batchSize: 300, bearerToken: "x", snowflake: { password: "y", user: "u" } });
 * // → { batchSize: 300, snowflake: { user: "u" } }
 * ```
 */
export function stripSecrets(value: unknown): unknown {
  const json = JSON.stringify(value ?? null, (key, v) => (key !== "" && isSecretKey(key) ? undefined : v));
  return JSON.parse(json);
}

/** `stripSecrets` then `JSON.stringify`: what the ledger stores. */
export function toStoredJson(value: unknown): string {
  return JSON.stringify(stripSecrets(value));
}

/** The first difference between two JSON values, depth first in key order, or `undefined`. */
export function firstDifference(
  before: unknown,
  after: unknown,
  path: JsonPath = [],
): JsonDifference | undefined {
  if (Object.is(before, after)) return undefined;
  if (Array.isArray(before) && Array.isArray(after)) {
    const common = Math.min(before.length, after.length);
    for (let i = 0; i < common; i++) {
      const diff = firstDifference(before[i], after[i], [...path, i]);
      if (diff) return diff;
    }
    return before.length === after.length ? undefined : { path, before, after };
  }
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !(k in before))];
    for (const key of keys) {
      const diff = firstDifference(before[key], after[key], [...path, key]);
      if (diff) return diff;
    }
    return undefined;
  }
  return { path, before, after };
}

/**
 * Refuses to resume `run` when the source fingerprint or the batch-deciding settings differ from
 * the ones stored when it began. Both sides are compared after {@linkcode stripSecrets}, and
 * modification times are left out (content decides, not timestamps).
 *
 * @throws {SourceError} (exit 2), e.g. `cannot resume run r20260101…: data/name_data.csv changed
 * since the run began (size 1000 → 1200); rerun with --restart to start over`.
 */
export function checkResumable(run: ResumableRun, fingerprint: unknown, settings: unknown): void {
  const sourceDiff = firstDifference(withoutTimestamps(run.fingerprint), withoutTimestamps(fingerprint));
  if (sourceDiff) throw refusal(run.id, describeSourceChange(run.fingerprint, sourceDiff));
  const settingsDiff = firstDifference(stripSecrets(run.settings), stripSecrets(settings));
  if (settingsDiff) {
    throw refusal(
      run.id,
      `${humanPath(settingsDiff.path) || "the settings"} changed since the run began ` +
        `(${formatChange(settingsDiff)})`,
    );
  }
}

/**
 * Keys of a fingerprint that are timestamps, not content: ignored by {@linkcode checkResumable}, so a
 * touched or byte-identical copied file resumes (its content is proven by the batch checksums).
 */
const TIMESTAMP_KEYS = new Set(["mtimeMs"]);

function withoutTimestamps(fingerprint: unknown): unknown {
  return JSON.parse(
    JSON.stringify(stripSecrets(fingerprint), (key, v) => (TIMESTAMP_KEYS.has(key) ? undefined : v)),
  );
}

function refusal(runId: string, what: string): SourceError {
  return new SourceError(`cannot resume run ${runId}: ${what}; rerun with --restart to start over`);
}

const LABEL_KEYS = ["path", "file", "label", "table", "name"];

/** "data/x.csv changed since the run began (size 1 → 2)", naming the nearest labelled object. */
function describeSourceChange(stored: unknown, diff: JsonDifference): string {
  let subject = "the source";
  let labelDepth = 0;
  let node: unknown = stripSecrets(stored);
  for (let depth = 0; depth <= diff.path.length; depth++) {
    if (isPlainObject(node)) {
      const object = node;
      const key = LABEL_KEYS.find((k) => typeof object[k] === "string" && diff.path[depth] !== k);
      if (key) {
        subject = String(object[key]);
        labelDepth = depth;
      }
    } else if (!Array.isArray(node)) break;
    if (depth === diff.path.length) break;
    node = (node as Record<string | number, unknown>)[diff.path[depth]];
  }
  const rest = humanPath(diff.path.slice(labelDepth));
  return `${subject} changed since the run began (${rest ? rest + " " : ""}${formatChange(diff)})`;
}

/** `["csv", "valueColumn"]` → `csv value column`; `["vaults", 1, "name"]` → `vaults[1] name`. */
export function humanPath(path: JsonPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else {out += (out ? " " : "") +
        part.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/_/g, " ").toLowerCase();}
  }
  return out;
}

function formatChange(diff: JsonDifference): string {
  if (Array.isArray(diff.before) && Array.isArray(diff.after)) {
    return `${diff.before.length} entries → ${diff.after.length} entries`;
  }
  return `${formatValue(diff.before)} → ${formatValue(diff.after)}`;
}

function formatValue(value: unknown): string {
  if (value === undefined) return "(absent)";
  const text = typeof value === "number" || typeof value === "boolean" || value === null
    ? String(value)
    : JSON.stringify(value);
  return text.length > 40 ? text.slice(0, 37) + "…" : text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
