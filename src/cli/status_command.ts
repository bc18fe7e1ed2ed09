/**
 * `byot status [--run ID] [--json] [--state FILE]`: the progress of a load from the state file:
 * per vault loaded / failed / skipped / pending, throughput, elapsed, ETA, whether the run
 * finished, and the command that resumes it. Defaults to the latest unfinished run, else the
 * newest. Read-only; exit 0.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { type Clock, systemClock } from "../common/clock.ts";
import { ExitCode } from "../common/errors.ts";
import type { Io } from "../common/io.ts";
import type { CommandResult } from "./load_command.ts";
import { buildStatus, type BuildStatusOptions } from "./status_report.ts";
import { renderStatus, statusJson } from "./status_render.ts";
import { openStateFile, requireRun, resolveStatePath } from "./status_state.ts";

/** Collaborators of `byot status`. */
export interface StatusDeps extends BuildStatusOptions {
  /** Time for "… ago". @default systemClock */
  clock?: Clock;
}

/** Flags of `byot status`. */
export interface StatusFlags {
  /** `--state FILE`. @default $BYOT_STATE, else ./byot-state.db */
  state?: string;
  /** `--run ID`. @default the latest unfinished run, else the newest */
  run?: string;
  /** `--json`. @default false */
  json?: boolean;
}

/** Builds the `status` command. */
export function statusCommand(io: Io, result: CommandResult, deps: StatusDeps = {}) {
  return new Command("status")
    .description("show a load's progress: per vault loaded, failed, pending, throughput, ETA, how to resume")
    .option("--state <file>", "checkpoint ledger (default: $BYOT_STATE, else ./byot-state.db)")
    .option("--run <id>", "the run to show (default: the latest unfinished run, else the newest)")
    .option("--json", "print a JSON object (stable keys, version 1) on stdout")
    .action(async (opts) => {
      result.code = await runStatus(opts, io, deps);
    });
}

/** Runs `byot status`; returns the exit code (0). User errors are thrown. */
export async function runStatus(flags: StatusFlags, io: Io, deps: StatusDeps = {}): Promise<number> {
  const clock = deps.clock ?? systemClock;
  const ledger = openStateFile(resolveStatePath(flags.state, io), { clock });
  try {
    const run = flags.run !== undefined
      ? requireRun(ledger, flags.run)
      : ledger.latestUnfinishedRun() ?? ledger.listRuns(1)[0];
    if (!run) {
      if (flags.json) io.stdout.write(JSON.stringify(statusJson(undefined, ledger.path), null, 2) + "\n");
      else io.stdout.write(`${ledger.path} holds no runs yet: start one with byot load\n`);
      return ExitCode.ok;
    }
    const report = await buildStatus(ledger, run, deps);
    if (flags.json) io.stdout.write(JSON.stringify(statusJson(report, ledger.path), null, 2) + "\n");
    else io.stdout.write(renderStatus(report, clock.now()));
    return ExitCode.ok;
  } finally {
    ledger.close();
  }
}
