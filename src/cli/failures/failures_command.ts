/**
 * `byot failures list|export|retry|purge`: the failed records a load kept in the state file. The
 * commander wiring; each subcommand's work is in its own `failures_<name>.ts`.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import type { Io } from "../../common/io.ts";
import { ConfigError } from "../../common/errors.ts";
import type { FailureVerdict } from "../../ledger/mod.ts";
import type { CommandResult } from "../shared/command.ts";
import { addLoadOptions, toLoadFlags } from "../load/options.ts";
import { addLedgerOptions, addStateOption, intArg } from "../shared/options.ts";
import { runFailuresExport } from "./export.ts";
import { DEFAULT_LIST_LIMIT, runFailuresList } from "./list.ts";
import { runFailuresPurge } from "./purge.ts";
import { RETRY_REFUSED_FLAGS, type RetryDeps, runFailuresRetry } from "./retry.ts";

/**
 * Collaborators of the `failures` commands: those of `byot load` (retry sends records), plus the
 * confirmation `prompt` of `retry` and `purge`. `main()` passes its deps through unchanged, so a
 * test may put a `prompt` in the object it gives `main()`.
 */
export type FailuresDeps = RetryDeps;

const VAULT_HELP = "only these vaults, comma-separated, any case (default: all)";

/**
 * Builds the `failures` command and its subcommands.
 *
 * @internal CLI wiring for `main()`: its signature uses commander types, which are not documented here.
 */
export function failuresCommand(io: Io, result: CommandResult, deps: FailuresDeps = {}): Command {
  const output = {
    writeOut: (text: string) => io.stdout.write(text),
    writeErr: (text: string) => io.stderr.write(text),
    outputError: () => {},
  };
  const list = addLedgerOptions(
    new Command("list").description("show failed records (values and tokens masked unless --show-values)"),
  )
    .option("--run <id>", "only this run (default: every run)")
    .option("--vault <names>", VAULT_HELP)
    .option("--status <code>", "only this HTTP status (0 = network failure)", intArg("--status"))
    .option("--verdict <verdict>", "only what byot verify found: missing or mismatched", parseVerdict)
    .option("--limit <n>", `rows to show, 0 = all (default: ${DEFAULT_LIST_LIMIT})`, intArg("--limit"))
    .option("--show-values", "show values and tokens in full (PII)")
    .action((opts) => {
      result.code = runFailuresList(opts, io, deps);
    });
  const exportCmd = addLedgerOptions(new Command("export"))
    .summary("write failed records to files, one per vault: legacy error-log JSON or CSV")
    .description(
      "write failed records, one file per vault, into --out: json = the legacy error log " +
        "(error_log_<VAULT>_<yyyymmdd_hhmmss>.json), csv = failures_<VAULT>_<ts>.csv " +
        "(value,token,status,message,request_id); files are mode 0600",
    )
    .option("--format <format>", "json (legacy error-log format) or csv")
    .option("--out <dir>", "directory of the files, created if missing (default: the working directory)")
    .option("--run <id>", "only this run (default: every run's unresolved failures)")
    .option("--vault <names>", VAULT_HELP)
    .action((opts) => {
      result.code = runFailuresExport(opts, io, deps);
    });
  const retry = addLoadOptions(
    addStateOption(new Command("retry"))
      .summary("send failed records again; those that load are marked resolved")
      .description(
        "send the failed records of a run (default: the newest with failures) again, with the " +
          "settings of byot load (config, vaults, token, batch size, concurrency, upsert); records " +
          "that load are marked resolved, those that fail again keep the new attempt. Shows an " +
          "analysis and asks first; --yes skips the question. Source options are refused: the " +
          "records come from the state file",
      )
      .option("--run <id>", "retry this run's failures (default: the newest run with failures)")
      .option("-y, --yes", "do not ask for confirmation (required off a terminal)"),
  );
  for (const option of retry.options) {
    if (RETRY_REFUSED_FLAGS.includes(option.long ?? "")) option.hideHelp();
  }
  retry.action(async (opts) => {
    result.code = await runFailuresRetry(
      { ...toLoadFlags(opts), state: opts.state, run: opts.run, yes: opts.yes },
      io,
      deps,
    );
  });
  const purge = addLedgerOptions(
    new Command("purge")
      .description("delete the stored values and tokens of failed records (counts and messages stay)"),
  )
    .option("--run <id>", "only this run (default: every run)")
    .option("--vault <names>", VAULT_HELP)
    .option("-y, --yes", "do not ask for confirmation (required off a terminal)")
    .action(async (opts) => {
      result.code = await runFailuresPurge(opts, io, deps);
    });
  const failures = new Command("failures")
    .description("list, export, retry or purge the failed records kept in the state file");
  for (const sub of [list, exportCmd, retry, purge]) {
    // subcommands are not reached by main()'s loop over top-level commands
    failures.addCommand(sub.exitOverride().configureOutput(output));
  }
  return failures;
}

/** Parses `--verdict`: `missing` or `mismatched`. */
function parseVerdict(text: string): FailureVerdict {
  if (text === "missing" || text === "mismatched") return text;
  throw new ConfigError(`--verdict must be missing or mismatched (got "${text}")`);
}
