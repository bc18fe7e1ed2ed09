/**
 * `byot load`: commander wiring of the load options and the run flags (`--state`, `--resume`,
 * `--restart`) onto {@linkcode runLoadCommand}.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import type { Io } from "../../common/io.ts";
import { detachedChild } from "./detach.ts";
import { addLoadOptions, toLoadFlags } from "./options.ts";
import { type LoadDeps, runLoadCommand } from "./run.ts";

/** Where a command leaves its exit code (commander actions cannot return one). */
export interface CommandResult {
  /** The exit code; the caller starts it at 0 and the command's action sets it. */
  code: number;
}

/** Long names of the run flags, for legacy single-dash normalisation. */
export const RUN_LONG_NAMES: readonly string[] = [
  "state",
  "resume",
  "restart",
  "wait",
  "checkpoint",
  "no-checkpoint",
  "dry-run",
  "no-preflight",
];

/**
 * Builds the `load` command.
 *
 * @internal CLI wiring for `main()`: its signature uses commander types, which are not documented here.
 */
export function loadCommand(io: Io, result: CommandResult, deps: LoadDeps = {}): Command {
  return addLoadOptions(
    new Command("load")
      .description("load (value, token) pairs into the configured vaults, resuming an unfinished run")
      .option("--state <file>", "checkpoint ledger (SQLite; default: $BYOT_STATE, else ./byot-state.db)")
      .option("--resume", "continue this job's unfinished run (re-running the same command does too)")
      .option("--restart", "abandon this job's unfinished run and start over")
      .option("--wait", "when another process is loading this job's run, wait for it instead of exiting 2")
      .option(
        "--no-checkpoint",
        "run without the ledger: no resume, no stored failures (rehearsals, benchmarks)",
      )
      .option("--dry-run", "read, validate and batch everything, send nothing: print what would be sent")
      .option(
        "--no-preflight",
        "skip the checks of `byot check` at the start (only their ✗ lines are shown)",
      ),
  ).action(async (opts) => {
    using _detached = detachedChild(io);
    result.code = await runLoadCommand(
      {
        ...toLoadFlags(opts),
        state: opts.state,
        resume: opts.resume,
        restart: opts.restart,
        wait: opts.wait,
        checkpoint: opts.checkpoint,
        dryRun: opts.dryRun,
        preflight: opts.preflight,
      },
      io,
      deps,
    );
  });
}
