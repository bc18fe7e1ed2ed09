/**
 * `byot status [--run ID] [--json] [--state FILE]`: the progress of a load from the state file:
 * per vault loaded / failed / skipped / pending, throughput, elapsed, ETA, whether the run
 * finished, and the command that resumes it. Defaults to the latest unfinished run, else the
 * newest; without `--run` it first lists every job of the ledger when there are several (the JSON
 * form always carries a `jobs` array then). Read-only; exit 0. With `--watch [--interval S]` it redraws every S seconds (default 2)
 * until Ctrl-C or the run stops running, adding the loader process's CPU, RSS and connections.
 *
 * @module
 */
import { addLedgerOptions } from "../shared/options.ts";
import { Command } from "@commander-js/extra-typings";
import { type Clock, systemClock } from "../../common/clock.ts";
import { ConfigError, ExitCode } from "../../common/errors.ts";
import type { Io } from "../../common/io.ts";
import type { Ledger } from "../../ledger/mod.ts";
import type { CommandResult } from "../shared/command.ts";
import { buildStatus, type BuildStatusOptions } from "./report.ts";
import { jobJson, listJobs, renderJobs } from "./jobs.ts";
import { renderStatus, statusJson } from "./render.ts";
import { openStateFile, requireRun, resolveStatePath } from "../shared/state_file.ts";
import { DEFAULT_WATCH_INTERVAL_S, type WatchOptions, watchStatus } from "./watch.ts";
import { interruptSignal } from "../shared/signals.ts";

/** Collaborators of `byot status`. */
export interface StatusDeps extends BuildStatusOptions {
  /** Time for "… ago". @default systemClock */
  clock?: Clock;
  /** Stops `--watch` (tests); else SIGINT/SIGTERM do. @default Ctrl-C */
  signal?: AbortSignal;
  /** `--watch` collaborators (tests): frame limit, process sampler. @default none */
  watch?: Pick<WatchOptions, "maxFrames" | "procSampler">;
}

/** Flags of `byot status`. */
export interface StatusFlags {
  /** `--state FILE`. @default $BYOT_STATE, else ./byot-state.db */
  state?: string;
  /** `--run ID`. @default the latest unfinished run, else the newest */
  run?: string;
  /** `--json`. @default false */
  json?: boolean;
  /** `--watch`: redraw until Ctrl-C or the run stops running. @default false */
  watch?: boolean;
  /** `--interval S`: seconds between `--watch` frames. @default 2 */
  interval?: number;
}

/**
 * Builds the `status` command.
 *
 * @internal CLI wiring for `main()`: its signature uses commander types, which are not documented here.
 */
export function statusCommand(io: Io, result: CommandResult, deps: StatusDeps = {}): Command {
  return addLedgerOptions(
    new Command("status")
      .description(
        "show a load's progress: per vault loaded, failed, pending, throughput, ETA, how to resume",
      ),
  )
    .option("--run <id>", "the run to show (default: the latest unfinished run, else the newest)")
    .option("--json", "print a JSON object (stable keys, version 1) on stdout; with --watch one line a frame")
    .option(
      "--watch",
      "redraw every few seconds until Ctrl-C or the run ends; adds the loader's CPU, RSS, connections",
    )
    .option(
      "--interval <s>",
      `seconds between --watch frames (default: ${DEFAULT_WATCH_INTERVAL_S})`,
      intervalArg,
    )
    .action(async (opts) => {
      result.code = await runStatus(opts, io, deps);
    });
}

/** Runs `byot status`; returns the exit code (0). User errors are thrown. */
export async function runStatus(flags: StatusFlags, io: Io, deps: StatusDeps = {}): Promise<number> {
  const clock = deps.clock ?? systemClock;
  if (flags.interval !== undefined && !flags.watch) throw new ConfigError("--interval needs --watch");
  const ledger = openStateFile(resolveStatePath(flags.state, io), { clock, readOnly: true });
  try {
    const run = flags.run !== undefined
      ? requireRun(ledger, flags.run)
      : ledger.latestUnfinishedRun() ?? ledger.listRuns(1)[0];
    if (!run) {
      if (flags.json) io.stdout.write(JSON.stringify(statusJson(undefined, ledger.path), null, 2) + "\n");
      else io.stdout.write(`${ledger.path} holds no runs yet: start one with byot load\n`);
      return ExitCode.ok;
    }
    if (flags.watch) return await watch(ledger, run.id, flags, io, deps);
    const report = await buildStatus(ledger, run, deps);
    // Without --run, every job of the ledger is listed first (one load per job may share the file).
    const jobs = flags.run === undefined ? listJobs(ledger) : undefined;
    if (flags.json) {
      const json = { ...statusJson(report, ledger.path), ...(jobs ? { jobs: jobs.map(jobJson) } : {}) };
      io.stdout.write(JSON.stringify(json, null, 2) + "\n");
    } else {
      if (jobs && jobs.length > 1) io.stdout.write(renderJobs(jobs, ledger.path));
      io.stdout.write(renderStatus(report, clock.now()));
    }
    return ExitCode.ok;
  } finally {
    ledger.close();
  }
}

async function watch(ledger: Ledger, runId: string, flags: StatusFlags, io: Io, deps: StatusDeps) {
  const interrupt = deps.signal ? undefined : interruptSignal();
  try {
    return await watchStatus(ledger, runId, io, {
      ...deps.watch,
      intervalMs: (flags.interval ?? DEFAULT_WATCH_INTERVAL_S) * 1000,
      clock: deps.clock,
      signal: deps.signal ?? interrupt?.signal,
      countRows: deps.countRows,
      json: flags.json,
    });
  } finally {
    interrupt?.dispose();
  }
}

function intervalArg(value: string): number {
  const n = Number(value.trim());
  if (value.trim() === "" || !Number.isFinite(n) || n < 0.5 || n > 3600) {
    throw new ConfigError(`--interval must be a number of seconds from 0.5 to 3600 (got "${value}")`);
  }
  return n;
}
