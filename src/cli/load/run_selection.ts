/**
 * Which ledger run a `byot load` continues: the latest unfinished run of the same source kind when
 * its fingerprint and batch-deciding settings match (re-running the same command resumes), a new
 * run otherwise. `--restart` abandons the unfinished run; `--resume` insists on one.
 *
 * @module
 */
import { ConfigError } from "../../common/errors.ts";
import type { Io } from "../../common/io.ts";
import type { LoadSettings } from "../../config/settings.ts";
import { checkResumable, type Ledger, type RunInfo } from "../../ledger/mod.ts";
import { formatShard } from "../../config/shard.ts";
import type { LoadPlan } from "../../sources/plan.ts";

/** Options of {@linkcode selectRun}. */
export interface SelectRunOptions {
  /** `--resume`: continue the latest unfinished run; fail if there is none. */
  resume?: boolean;
  /** `--restart`: abandon the unfinished run and start a new one. */
  restart?: boolean;
  /** Path of the state file, for messages. */
  statePath: string;
  /** The command line, secrets redacted, stored with a new run. */
  command: string;
}

/**
 * Returns the run to work on and whether it is a resumed one. Prints what it decided on stderr.
 *
 * @throws {SourceError} (exit 2) when an unfinished run exists but its source or settings changed.
 * @throws {ConfigError} (exit 2) for `--resume` with nothing to resume, or `--resume` with `--restart`.
 */
export function selectRun(
  ledger: Ledger,
  settings: LoadSettings,
  plan: LoadPlan,
  options: SelectRunOptions,
  io: Io,
): { run: RunInfo; resumed: boolean } {
  if (options.resume && options.restart) {
    throw new ConfigError("--resume and --restart cannot be used together");
  }
  const shard = settings.shard ? formatShard(settings.shard) : undefined;
  const ofShard = shard ? ` for shard ${shard}` : "";
  const existing = ledger.latestUnfinishedRun(settings.source, shard ?? null);
  if (existing && options.restart) {
    ledger.finishRun(existing.id, "abandoned");
    io.stderr.write(`--restart: abandoned unfinished run ${existing.id}; starting a new run\n`);
  } else if (existing && onlyTableFixed(ledger, existing, plan)) {
    // the run stopped on a table the vault lacks (fail-fast), settling nothing: the fixed command goes on
    ledger.finishRun(existing.id, "abandoned");
    io.stderr.write(
      `run ${existing.id} settled no record and only the vaults' table changed since; starting a new run\n`,
    );
  } else if (existing) {
    const storedSeed = (existing.settings as { suffixSeed?: string } | undefined)?.suffixSeed;
    checkResumable(existing, plan.fingerprint, { ...plan.batchSettings, suffixSeed: storedSeed });
    if (existing.status === "running" && existing.pid !== undefined && loaderAlive(existing.pid)) {
      throw new ConfigError(
        `run ${existing.id} is being loaded right now by process ${existing.pid}; ` +
          `follow it with byot status --watch --state ${options.statePath}, or stop it first (kill ${existing.pid})`,
      );
    }
    ledger.reopenRun(existing.id, Deno.pid);
    const started = new Date(existing.createdAt).toISOString().replace("T", " ").slice(0, 19);
    io.stderr.write(
      `resuming run ${existing.id}${ofShard} (started ${started} UTC) from ${options.statePath}; ` +
        "--restart starts over\n",
    );
    return { run: existing, resumed: true };
  } else if (options.resume) {
    throw new ConfigError(
      `nothing to resume: ${options.statePath} has no unfinished ${settings.source} run${ofShard} (drop --resume to start one)`,
    );
  }
  const run = ledger.createRun({
    sourceKind: settings.source,
    fingerprint: plan.fingerprint,
    settings: { ...plan.batchSettings, suffixSeed: settings.suffixSeed },
    vaults: plan.vaults.map((v) => v.spec),
    command: options.command,
    pid: Deno.pid,
    ...(shard ? { shard } : {}),
  });
  io.stderr.write(`run ${run.id}${ofShard}: checkpoints in ${options.statePath}\n`);
  return { run, resumed: false };
}

/**
 * True when the unfinished run settled no record in any vault and differs from this plan only in
 * the vaults' `table` (a typo that fail-fast stopped at the first request). Such a run is safe to
 * replace: nothing of it is in the vault under the new table, and its records are all unsettled.
 */
function onlyTableFixed(ledger: Ledger, run: RunInfo, plan: LoadPlan): boolean {
  const stored = run.settings as { suffixSeed?: string; vaults?: { table?: string }[] } | undefined;
  const now = plan.batchSettings.vaults as { table?: string }[] | undefined;
  if (!stored?.vaults || !now || stored.vaults.length !== now.length) return false;
  if (stored.vaults.every((v, i) => v.table === now[i].table)) return false;
  const sameTables = { ...stored, vaults: stored.vaults.map((v, i) => ({ ...v, table: now[i].table })) };
  try {
    checkResumable({ ...run, settings: sameTables }, plan.fingerprint, {
      ...plan.batchSettings,
      suffixSeed: stored.suffixSeed,
    });
  } catch {
    return false;
  }
  return plan.vaults.every((v) => {
    const c = ledger.resumePoint(run.id, v.spec.name).counts;
    return c.loaded + c.failed + c.skipped === 0;
  });
}

/**
 * True when `pid` is another live byot load (Linux: `/proc/<pid>/cmdline` names a load). Elsewhere,
 * or when it cannot tell, false: a crashed run must always be resumable.
 */
function loaderAlive(pid: number): boolean {
  // our own pid, or the parent that detached us and hands the run over
  if (pid === Deno.pid || pid === Deno.ppid) return false;
  try {
    const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0");
    return cmdline.includes("load");
  } catch {
    return false;
  }
}
