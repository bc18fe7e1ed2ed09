/**
 * The local side of `byot check`: the sources (opened, headers checked, paired files of equal
 * length, the Snowflake login: all by `planLoad`, the same code the load runs), the ledger path
 * (writable, on a local filesystem, with room for the projected ledger) and the projected duration.
 *
 * @module
 */
import { statfs } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { LoadSettings } from "../../config/settings.ts";
import { formatInt } from "../../report/format.ts";
import { estimateDataRows } from "../../sources/csv/row_count.ts";
import { type LoadPlan, planLoad } from "../../sources/plan.ts";
import type { CheckItem } from "./item.ts";
import { ledgerFsMode } from "../../ledger/mod.ts";

/** Opens every source as the load would; the plan (to close) and the items. */
export async function checkSources(
  settings: LoadSettings,
  statePath: string,
): Promise<{ plan?: LoadPlan; items: CheckItem[]; rows?: number }> {
  let plan: LoadPlan;
  try {
    plan = await planLoad(settings, { logDir: dirname(statePath) });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      items: [{
        id: "sources",
        status: "fail",
        title: `sources: ${message}`,
        fix: "fix the source files or settings named above; nothing is sent until they check out",
      }],
    };
  }
  const items: CheckItem[] = [];
  let rows: number | undefined = 0;
  for (const v of plan.vaults) {
    const count = plan.errorLog
      ? plan.errorLog.records.length
      : v.files.length > 0
      ? await estimateDataRows(v.files[0])
      : undefined;
    if (count === undefined) rows = undefined;
    else if (rows !== undefined) rows += count;
    const what = count === undefined
      ? "opened (rows counted when the query runs)"
      : `${formatInt(count)} rows`;
    items.push({
      id: `source:${v.spec.name}`,
      status: "ok",
      title: `source of vault ${v.spec.name}: ${v.source.label}: ${what}` +
        (v.files.length > 1 ? ", headers and row counts match" : v.files.length ? ", header matches" : ""),
    });
  }
  if (settings.source === "snowflake") {
    items.unshift({ id: "snowflake", status: "ok", title: "Snowflake: logged in" });
    items.push(...await explainChecks(plan));
  }
  return { plan, items, rows };
}

/**
 * One item per vault of a Snowflake plan: its query compiles (`EXPLAIN`, no row read), or why not.
 * Empty for other sources.
 */
export async function explainChecks(plan: LoadPlan): Promise<CheckItem[]> {
  return [...(await plan.explain?.() ?? [])].map(([vault, problem]): CheckItem =>
    problem === undefined
      ? { id: `source:${vault}:query`, status: "ok", title: `Snowflake query of vault ${vault}: compiles` }
      : {
        id: `source:${vault}:query`,
        status: "fail",
        title: problem,
        fix: "fix the Snowflake query settings (table, columns, query mode) or the role's grants",
      }
  );
}

/** Bytes the ledger takes per batch (its row and index entries), a generous estimate. */
const LEDGER_BYTES_PER_BATCH = 512;

/** The ledger path: its directory writable, a local filesystem, room for the projected ledger. */
export async function checkLedger(
  statePath: string,
  records: number | undefined,
  batchSize: number,
): Promise<CheckItem[]> {
  const dir = dirname(resolve(statePath));
  const id = "ledger";
  try {
    const probe = await Deno.makeTempFile({ dir, prefix: ".byot-check-" });
    await Deno.remove(probe);
    await Deno.stat(statePath).then(
      async () => (await Deno.open(statePath, { read: true, write: true })).close(),
      (error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      },
    );
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? `its directory ${dir} does not exist`
      : `not writable (${error instanceof Error ? error.name : "error"})`;
    return [{
      id,
      status: "fail",
      title: `ledger ${statePath}: ${why}`,
      fix: "choose a writable place with --state FILE (or BYOT_STATE)",
    }];
  }
  let fs: { type: number; bavail: number; bsize: number };
  try {
    fs = await statfs(dir);
  } catch {
    return [{ id, status: "ok", title: `ledger ${statePath}: writable (free space not readable)` }];
  }
  const free = Number(fs.bavail) * Number(fs.bsize);
  const needed = records === undefined
    ? undefined
    : Math.ceil(records / Math.max(1, batchSize)) * LEDGER_BYTES_PER_BATCH + (1 << 20);
  if (needed !== undefined && free < needed * 2) {
    return [{
      id,
      status: "fail",
      title: `ledger ${statePath}: ${mib(free)} free, the ledger may need ${
        mib(needed)
      } (twice that to be safe)`,
      fix: "free disk space, or put the ledger elsewhere with --state FILE",
    }];
  }
  const projected = needed === undefined ? "" : `, projected ledger ${mib(needed)}`;
  // on a network filesystem the ledger runs without WAL (see ledger/filesystem.ts); say how
  const mode = ledgerFsMode(statePath);
  if (mode.network && mode.lockingMode === "EXCLUSIVE") {
    return [{
      id,
      status: "warn",
      title:
        `ledger ${statePath}: writable, network filesystem ${mode.fsType} whose locks stay on one host: ` +
        `the load holds the file alone (rollback journal), ${mib(free)} free${projected}`,
      fix: "give every process its own --state file there, or put the ledger on a local disk or NFSv4/EFS",
    }];
  }
  const where = mode.network
    ? `network filesystem ${mode.fsType} (rollback journal instead of WAL)`
    : "local disk";
  return [{
    id,
    status: "ok",
    title: `ledger ${statePath}: writable, ${where}, ${mib(free)} free${projected}`,
  }];
}

/** The projected duration from the rows, the settings and the probes' latency. */
export function projection(
  settings: LoadSettings,
  rows: number | undefined,
  latencyMs: number | undefined,
): { item: CheckItem; recordsPerSecond?: number; seconds?: number } {
  const id = "projection";
  if (rows === undefined) {
    return {
      item: { id, status: "ok", title: "projected duration: unknown until the source counts its rows" },
    };
  }
  const selected = settings.maxRecords > 0
    ? Math.min(
      Math.max(0, rows - settings.startRecord * settings.vaults.length),
      settings.maxRecords * settings.vaults.length,
    )
    : Math.max(0, rows - settings.startRecord * settings.vaults.length);
  const perShard = settings.shard ? Math.ceil(selected / settings.shard.count) : selected;
  // an insert of a batch takes longer than a probe read: assume 4x the probe's round trip, at least 50 ms
  const requestMs = Math.max(50, 4 * (latencyMs ?? 50)) + settings.baseDelayMs;
  const perVault = (settings.concurrency * 1000) / requestMs;
  const capped = settings.maxRps > 0 ? Math.min(perVault, settings.maxRps) : perVault;
  const recordsPerSecond = capped * settings.batchSize * settings.vaults.length;
  const seconds = perShard / recordsPerSecond;
  return {
    item: {
      id,
      status: "ok",
      title: `projected duration: ${duration(seconds)} for ${formatInt(perShard)} records at ~` +
        `${formatInt(Math.round(recordsPerSecond))} records/s (batch ${settings.batchSize}, concurrency ` +
        `${settings.concurrencyAuto ? "auto up to " : ""}${settings.concurrency}${
          settings.maxRps > 0 ? `, max ${settings.maxRps} req/s` : ""
        }, ` +
        `${settings.vaults.length} vault${settings.vaults.length === 1 ? "" : "s"}; a rough estimate ` +
        "from the probes' latency)",
    },
    recordsPerSecond,
    seconds,
  };
}

function mib(bytes: number): string {
  return bytes >= 1 << 30 ? `${(bytes / (1 << 30)).toFixed(1)} GiB` : `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
