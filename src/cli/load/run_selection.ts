/**
 * Which ledger run a `byot load` works on. A run belongs to the command's *job* (source, vault set,
 * shard, record range, batch-deciding settings; see `ledger/jobs.ts`): the same command continues
 * its job's unfinished run when the source still matches, a different command starts a run of its
 * own and mentions the other unfinished jobs in one line. `--restart` abandons the job's unfinished
 * run; `--resume` insists on one. Selecting and claiming the run is one write transaction; a run
 * that a live process holds is never taken over: exit 2 naming the holder, or with `--wait` poll
 * until it is free.
 *
 * @module
 */
import { hostname } from "node:os";
import { type Clock, systemClock } from "../../common/clock.ts";
import { ConfigError } from "../../common/errors.ts";
import type { Io } from "../../common/io.ts";
import type { LoadSettings } from "../../config/settings.ts";
import {
  checkResumable,
  type ClaimResult,
  describeHolder,
  jobKeyOf,
  type Ledger,
  type RunInfo,
  runIsLive,
} from "../../ledger/mod.ts";
import { formatShard } from "../../config/shard.ts";
import type { LoadPlan } from "../../sources/plan.ts";

/** Options of {@linkcode selectRun}. */
export interface SelectRunOptions {
  /** `--resume`: continue the job's unfinished run; fail if there is none. */
  resume?: boolean;
  /** `--restart`: abandon the job's unfinished run and start a new one. */
  restart?: boolean;
  /** `--wait`: when a live process holds the job's run, wait for it instead of exiting 2. */
  wait?: boolean;
  /** Path of the state file, for messages. */
  statePath: string;
  /** The command line, secrets redacted, stored with a new run. */
  command: string;
  /** Time for `--wait` polls and lease ages. @default systemClock */
  clock?: Clock;
  /** Poll interval of `--wait`, in ms. @default 1000 */
  waitPollMs?: number;
  /** Ends a `--wait` (Ctrl-C): the wait throws the signal's reason. @default none */
  signal?: AbortSignal;
}

/** The run chosen by {@linkcode selectRun}. */
export interface SelectedRun {
  /** The run, claimed by this process. */
  run: RunInfo;
  /** True when it is an earlier run continued. */
  resumed: boolean;
  /** The run's status before this process claimed it (resumed runs). */
  previousStatus?: RunInfo["status"];
  /** This process's claim (for lease renewals). */
  holder: { host: string; pid: number };
}

/**
 * Returns the run to work on, claimed for this process. Prints what it decided on stderr.
 *
 * @throws {SourceError} (exit 2) when the job's unfinished run exists but its source changed.
 * @throws {ConfigError} (exit 2) for `--resume` with nothing to resume, `--resume` with `--restart`,
 * or a live process holding the job's run (without `--wait`).
 */
export async function selectRun(
  ledger: Ledger,
  settings: LoadSettings,
  plan: LoadPlan,
  options: SelectRunOptions,
  io: Io,
): Promise<SelectedRun> {
  if (options.resume && options.restart) {
    throw new ConfigError("--resume and --restart cannot be used together");
  }
  const clock = options.clock ?? systemClock;
  const shard = settings.shard ? formatShard(settings.shard) : undefined;
  const ofShard = shard ? ` for shard ${shard}` : "";
  const holder = { host: hostname(), pid: Deno.pid };
  const jobKey = jobKeyOf(plan.batchSettings);
  let waiting = false;
  let claim: ClaimResult;
  while (true) {
    claim = ledger.claimRun({
      ...holder,
      handover: [Deno.ppid],
      jobKey,
      restart: options.restart,
      resume: options.resume,
      check: (run) => {
        const storedSeed = (run.settings as { suffixSeed?: string } | undefined)?.suffixSeed;
        checkResumable(run, plan.fingerprint, { ...plan.batchSettings, suffixSeed: storedSeed });
      },
      create: {
        sourceKind: settings.source,
        fingerprint: plan.fingerprint,
        settings: { ...plan.batchSettings, suffixSeed: settings.suffixSeed },
        vaults: plan.vaults.map((v) => v.spec),
        command: options.command,
        ...(shard ? { shard } : {}),
      },
    });
    if (claim.outcome !== "busy") break;
    const who = describeHolder(claim.run, clock.now());
    if (!options.wait) {
      throw new ConfigError(
        `run ${claim.run.id}${ofShard} of this job is being loaded right now by ${who}; follow it with ` +
          `byot status --watch --state ${options.statePath}, wait for it with --wait, or stop it first`,
      );
    }
    if (!waiting) io.stderr.write(`--wait: run ${claim.run.id}${ofShard} is held by ${who}; waiting\n`);
    waiting = true;
    await clock.sleep(options.waitPollMs ?? 1000, options.signal);
    options.signal?.throwIfAborted();
  }
  let others = claim.others;
  if (claim.outcome === "created") {
    // A run that stopped on a table the vault lacks (fail-fast) and settled nothing is replaced by the
    // fixed command's run (another job, since the table is part of it) rather than left unfinished.
    const now = clock.now();
    for (const old of others.filter((o) => !runIsLive(o, holder, now) && onlyTableFixed(ledger, o, plan))) {
      ledger.finishRun(old.id, "abandoned");
      io.stderr.write(
        `run ${old.id} settled no record and only the vaults' table changed since; starting a new run\n`,
      );
      others = others.filter((o) => o !== old);
    }
  }
  mentionOthers(others, options.statePath, io);
  if (claim.outcome === "nothing") {
    throw new ConfigError(
      `nothing to resume: ${options.statePath} has no unfinished ${settings.source} run${ofShard} of this job ` +
        "(drop --resume to start one)",
    );
  }
  if (claim.outcome === "resumed") {
    const started = new Date(claim.run.createdAt).toISOString().replace("T", " ").slice(0, 19);
    io.stderr.write(
      `resuming run ${claim.run.id}${ofShard} (started ${started} UTC) from ${options.statePath}; ` +
        "--restart starts over\n",
    );
    return { run: claim.run, resumed: true, previousStatus: claim.previousStatus, holder };
  }
  if (claim.abandoned) {
    io.stderr.write(`--restart: abandoned unfinished run ${claim.abandoned.id}; starting a new run\n`);
  }
  io.stderr.write(`run ${claim.run.id}${ofShard}: checkpoints in ${options.statePath}\n`);
  return { run: claim.run, resumed: false, holder };
}

/** One line naming the unfinished runs of other jobs in the ledger, if any. */
function mentionOthers(others: readonly RunInfo[], statePath: string, io: Io): void {
  if (others.length === 0) return;
  const shown = others.slice(0, 3).map((r) =>
    `${r.id} (${r.sourceKind} ${r.vaults.map((v) => v.name).join(",")}${
      r.shard ? ` shard ${r.shard}` : ""
    }, ${r.status})`
  );
  const more = others.length > 3 ? ` and ${others.length - 3} more` : "";
  io.stderr.write(
    `note: ${statePath} also holds ${others.length} unfinished run${
      others.length === 1 ? "" : "s"
    } of other ` +
      `jobs: ${shown.join(", ")}${more}; byot status lists them\n`,
  );
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
