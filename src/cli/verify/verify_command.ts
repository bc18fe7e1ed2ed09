/**
 * `byot verify`: commander wiring of the load options plus `--state`, `--sample` and `--run` onto
 * {@linkcode runVerifyCommand}.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { ConfigError } from "../../common/errors.ts";
import type { Io } from "../../common/io.ts";
import type { CommandResult } from "../shared/command.ts";
import { addLoadOptions, toLoadFlags } from "../load/options.ts";
import type { LoadDeps } from "../load/run.ts";
import { runVerifyCommand } from "./run.ts";

/** Parses `--sample RATE`: a fraction in (0, 1], or a percentage such as `1%`. */
export function parseSampleRate(text: string): number {
  const trimmed = text.trim();
  const percent = trimmed.endsWith("%");
  const n = Number(percent ? trimmed.slice(0, -1) : trimmed);
  const rate = percent ? n / 100 : n;
  if (trimmed === "" || !Number.isFinite(rate) || rate <= 0 || rate > 1) {
    throw new ConfigError(
      `--sample must be a fraction in (0, 1] such as 0.01, or a percentage such as 1% (got "${text}")`,
    );
  }
  return rate;
}

/**
 * Builds the `verify` command.
 *
 * @internal CLI wiring for `main()`: its signature uses commander types, which are not documented here.
 */
export function verifyCommand(io: Io, result: CommandResult, deps: LoadDeps = {}): Command {
  return addLoadOptions(
    new Command("verify")
      .description(
        "read the source and the vault back and report, per vault, records verified, missing, mismatched " +
          "and skipped; sends no insert (exit 0 when all verified, 3 otherwise)",
      )
      .option(
        "--state <file>",
        "ledger for the verify run and its findings (default: $BYOT_STATE, else ./byot-state.db)",
      )
      .option(
        "--sample <rate>",
        "verify a deterministic sample of the records, e.g. 0.01 or 1%",
        parseSampleRate,
      )
      .option("--run <id>", "verify what this load run settled as loaded (and its suffixes)"),
  ).action(async (opts) => {
    result.code = await runVerifyCommand(
      { ...toLoadFlags(opts), state: opts.state, sample: opts.sample, run: opts.run },
      io,
      deps,
    );
  });
}
