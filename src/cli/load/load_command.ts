/**
 * `byot load`: commander wiring of the load options and the run flags (`--state`, `--resume`,
 * `--restart`) onto {@linkcode runLoadCommand}.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import type { Io } from "../../common/io.ts";
import type { CommandResult } from "../shared/command.ts";
import { detachedChild } from "./detach.ts";
import { addLoadOptions, toLoadFlags } from "./options.ts";
import { addStateOption } from "../shared/options.ts";
import { type LoadDeps, runLoadCommand } from "./run.ts";

/**
 * Builds the `load` command.
 *
 * @internal CLI wiring for `main()`: its signature uses commander types, which are not documented here.
 */
export function loadCommand(io: Io, result: CommandResult, deps: LoadDeps = {}): Command {
  return addLoadOptions(
    addStateOption(
      new Command("load")
        .description("load (value, token) pairs into the configured vaults, resuming an unfinished run"),
    )
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
