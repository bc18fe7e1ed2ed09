/**
 * `byot load --dry-run`: the load's read, validation, batching and payload building, without
 * sending anything or opening the state file. Reads every source to the end (so the counts are
 * real) one batch at a time (so memory stays flat), keeps only counters and each vault's first
 * request body, and prints what would be sent with values and tokens masked and secrets redacted.
 *
 * @module
 */
import type { SkipReason, SourceRecord, VaultSpec } from "../../common/types.ts";
import type { Io } from "../../common/io.ts";
import { ExitCode } from "../../common/errors.ts";
import { type LoadSettings, redactSettings } from "../../config/settings.ts";
import { batchesOf } from "../../pipeline/batcher.ts";
import { formatInt } from "../../report/format.ts";
import { SKIP_REASONS } from "../../report/metrics.ts";
import { batchBody, insertBody } from "../../vault/payload.ts";
import { maskValue } from "../shared/redact.ts";
import type { LoadPlan } from "../../sources/plan.ts";
import { renderTable } from "../shared/table.ts";

/** The first request a vault would get, its body masked. */
export interface PayloadPreview {
  /** HTTP method (every load request is a POST). */
  method: "POST";
  /** Full URL of the Insert (or, with `continueOnError`, Batch) endpoint. */
  url: string;
  /** Records in the body. */
  records: number;
  /** Size of the real (unmasked) body in UTF-8 bytes. */
  bytes: number;
  /** The body as JSON, every value and token replaced by {@linkcode maskValue}. */
  body: unknown;
}

/** What a load would do for one vault. */
export interface DryRunVault {
  /** Vault name from the config. */
  name: string;
  /** Skyflow vault id. */
  id: string;
  /** Table the records go to. */
  table: string;
  /** Column holding the value and its token. */
  column: string;
  /** The source's description (file names). */
  source: string;
  /** Source rows in the selected range (records + skipped). */
  rows: number;
  /** Records that would be sent. */
  records: number;
  /** Batches (requests, unless the vault asks for smaller ones). */
  batches: number;
  /** Rows that would not be sent, by reason. */
  skipped: Partial<Record<SkipReason, number>>;
  /** The first request; absent when no record would be sent. */
  firstPayload?: PayloadPreview;
}

/** The result of a dry run. */
export interface DryRunReport {
  /** One entry per selected vault, in config order. */
  vaults: DryRunVault[];
  /** The effective settings, secrets replaced by `***` ({@linkcode redactSettings}). */
  settings: Record<string, unknown>;
}

/** Options of {@linkcode dryRun}. */
export interface DryRunOptions {
  /** Stops reading. @default none */
  signal?: AbortSignal;
}

/** Records of a first payload the text output shows; the JSON output has them all. */
export const PREVIEW_RECORDS = 3;

/**
 * Reads every planned source through {@linkcode batchesOf} with the load's settings and builds
 * each vault's first body with the load's payload builder. Sends nothing; closes the sources.
 *
 * @throws {SourceError} (exit 2) as the real run would, e.g. paired files of different lengths.
 * @example
 * ```ts ignore
 * const report = await dryRun(settings, await planLoad(settings));
 * report.vaults[0].records; // 1000
 * ```
 */
export async function dryRun(
  settings: LoadSettings,
  plan: LoadPlan,
  options: DryRunOptions = {},
): Promise<DryRunReport> {
  const vaults: DryRunVault[] = [];
  try {
    for (const { spec, source } of plan.vaults) {
      const vault: DryRunVault = {
        name: spec.name,
        id: spec.id,
        table: spec.table,
        column: spec.column,
        source: source.label,
        rows: 0,
        records: 0,
        batches: 0,
        skipped: {},
      };
      const batches = batchesOf({
        vault: spec.name,
        source,
        batchSize: settings.batchSize,
        startRecord: settings.startRecord,
        maxRecords: settings.maxRecords,
        suffixSeed: settings.appendSuffix ? settings.suffixSeed : undefined,
        signal: options.signal,
      });
      for await (const batch of batches) {
        vault.rows += batch.endPosition - batch.firstPosition;
        vault.records += batch.records.length;
        if (batch.records.length > 0) vault.batches++;
        for (const [reason, n] of Object.entries(batch.skipped) as [SkipReason, number][]) {
          vault.skipped[reason] = (vault.skipped[reason] ?? 0) + n;
        }
        if (vault.firstPayload === undefined && batch.records.length > 0) {
          vault.firstPayload = preview(settings, spec, batch.records);
        }
      }
      vaults.push(vault);
    }
  } finally {
    for (const v of plan.vaults) await v.source.close?.();
  }
  return { vaults, settings: redactSettings(settings) };
}

/** The body the load would send for `records`, built by the same function, then masked. */
function preview(
  s: LoadSettings,
  spec: VaultSpec,
  records: readonly SourceRecord[],
): PayloadPreview {
  const target = { ...spec, byotMode: s.byotMode };
  const body = s.continueOnError
    ? batchBody(target, records, s.upsert)
    : insertBody(target, records, s.upsert);
  const base = `${s.vaultUrl}/v1/vaults/${encodeURIComponent(spec.id)}`;
  return {
    method: "POST",
    url: s.continueOnError ? base : `${base}/${encodeURIComponent(spec.table)}`,
    records: records.length,
    bytes: new TextEncoder().encode(body).length,
    body: maskPayload(body),
  };
}

/**
 * Parses a request body and masks every string under a `fields` or `tokens` object.
 *
 * @example
 * ```ts
 * maskPayload('{"records":[{"fields":{"ssn":"123-45-6789"},"tokens":{"ssn":"tok-1"}}]}');
 * // { records: [{ fields: { ssn: "•••••" }, tokens: { ssn: "•••••" } }] }
 * ```
 */
export function maskPayload(body: string): unknown {
  const walk = (node: unknown, secret: boolean): unknown => {
    if (typeof node === "string") return secret ? maskValue(node) : node;
    if (Array.isArray(node)) return node.map((item) => walk(item, secret));
    if (node === null || typeof node !== "object") return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      out[key] = walk(value, secret || key === "fields" || key === "tokens");
    }
    return out;
  };
  return walk(JSON.parse(body), false);
}

/** Rows skipped, as `2 empty value, 1 empty token` (empty string when none). */
function skippedText(skipped: Partial<Record<SkipReason, number>>): string {
  return SKIP_REASONS.filter((r) => (skipped[r] ?? 0) > 0)
    .map((r) => `${formatInt(skipped[r]!)} ${r.replace("_", " ")}`)
    .join(", ");
}

function total(skipped: Partial<Record<SkipReason, number>>): number {
  return Object.values(skipped).reduce((n, v) => n + (v ?? 0), 0);
}

/**
 * The human report (for stderr): per-vault counts, skipped rows by reason, each vault's first
 * request (at most {@linkcode PREVIEW_RECORDS} records shown) and the redacted settings.
 */
export function renderDryRun(report: DryRunReport): string {
  const lines = ["Dry run: nothing is sent and no state file is written (a fresh run is shown).", ""];
  const rows = report.vaults.map((v) => [
    v.name,
    v.table,
    formatInt(v.rows),
    formatInt(v.records),
    formatInt(v.batches),
    formatInt(total(v.skipped)),
  ]);
  const table = renderTable([
    { header: "Vault" },
    { header: "Table" },
    { header: "Rows", right: true },
    { header: "Records", right: true },
    { header: "Batches", right: true },
    { header: "Skipped", right: true },
  ], rows);
  lines.push(table.trimEnd());
  for (const v of report.vaults) {
    const why = skippedText(v.skipped);
    if (why) lines.push(`Skipped rows of ${v.name}: ${why}`);
  }
  for (const v of report.vaults) {
    const p = v.firstPayload;
    lines.push("");
    if (!p) {
      lines.push(`${v.name}: no record would be sent`);
      continue;
    }
    lines.push(
      `First request of ${v.name}: ${p.method} ${p.url} (${formatInt(p.records)} records, ` +
        `${formatInt(p.bytes)} bytes; values and tokens masked)`,
    );
    lines.push(prettyBody(p.body));
  }
  lines.push("", "Effective settings (secrets redacted):", JSON.stringify(report.settings, null, 2), "");
  const records = report.vaults.reduce((n, v) => n + v.records, 0);
  const batches = report.vaults.reduce((n, v) => n + v.batches, 0);
  const skipped = report.vaults.reduce((n, v) => n + total(v.skipped), 0);
  const count = report.vaults.length;
  lines.push(
    `Dry run OK: ${formatInt(records)} records in ${formatInt(batches)} batches would be sent to ` +
      `${count} vault${count === 1 ? "" : "s"}; ${formatInt(skipped)} rows skipped.`,
  );
  return lines.join("\n") + "\n";
}

/**
 * `body` as indented JSON with one line per record, its `records` array cut to
 * {@linkcode PREVIEW_RECORDS} and a note of the rest.
 */
function prettyBody(body: unknown): string {
  const records = (body as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) return JSON.stringify(body, null, 2);
  const shown = records.slice(0, PREVIEW_RECORDS).map((r) => JSON.stringify(r));
  if (records.length > PREVIEW_RECORDS) {
    shown.push(JSON.stringify(`… ${formatInt(records.length - PREVIEW_RECORDS)} more records`));
  }
  const rest = Object.entries(body as Record<string, unknown>).filter(([key]) => key !== "records")
    .map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  const recordLines = `  "records": [\n${shown.map((line) => `    ${line}`).join(",\n")}\n  ]`;
  return `{\n${[recordLines, ...rest].join(",\n")}\n}`;
}

/** The `--json` object of a dry run (stdout). */
export function dryRunJson(report: DryRunReport): Record<string, unknown> {
  const sum = (pick: (v: DryRunVault) => number) => report.vaults.reduce((n, v) => n + pick(v), 0);
  return {
    dryRun: true,
    exitCode: ExitCode.ok,
    totals: {
      rows: sum((v) => v.rows),
      records: sum((v) => v.records),
      batches: sum((v) => v.batches),
      skipped: sum((v) => total(v.skipped)),
    },
    vaults: report.vaults,
    settings: report.settings,
  };
}

/**
 * Runs the dry run of a planned load and prints it: the report on stderr, and with `--json` the
 * {@linkcode dryRunJson} object on stdout. Returns exit code 0; bad input throws as in a real run.
 */
export async function runDryRun(
  settings: LoadSettings,
  plan: LoadPlan,
  io: Io,
  options: DryRunOptions = {},
): Promise<number> {
  if (settings.maxRecordsDefaulted) {
    io.stderr.write(
      `Snowflake: no --max-records given, so only the first ${settings.maxRecords} records of each vault ` +
        "would be loaded (the legacy default); pass --max-records 0 to load everything\n",
    );
  }
  const report = await dryRun(settings, plan, options);
  io.stderr.write(renderDryRun(report));
  for (const line of plan.vaults.flatMap((v) => v.notes?.lines(v.spec.name) ?? [])) {
    io.stderr.write(`${line}\n`);
  }
  if (settings.json) io.stdout.write(JSON.stringify(dryRunJson(report)) + "\n");
  return ExitCode.ok;
}
