/**
 * `byot failures purge [--vault V] [--run ID] [--yes]`: deletes the stored values and tokens of
 * failed records (resolved ones included) once the user is done with them. The rows stay, so
 * `byot status` and `byot failures list` still count them; they can no longer be exported or
 * retried. Shows the counts first and asks on a terminal; off a terminal `--yes` is required.
 *
 * @module
 */
import { type Clock, systemClock } from "../../common/clock.ts";
import { ExitCode } from "../../common/errors.ts";
import type { Io } from "../../common/io.ts";
import { formatInt } from "../../report/format.ts";
import { confirmProceed, type PromptLine } from "../shared/confirm.ts";
import { openStateFile, pickVaults, requireRun, resolveStatePath } from "../shared/state_file.ts";

/** Flags of `byot failures purge`. */
export interface PurgeFlags {
  /** `--state FILE`. @default $BYOT_STATE, else ./byot-state.db */
  state?: string;
  /** `--run ID`. @default every run */
  run?: string;
  /** `--vault NAME[,NAME]`, any case. @default every vault */
  vault?: string;
  /** `--yes`: do not ask. @default false */
  yes?: boolean;
}

/** Collaborators of `byot failures purge`. */
export interface PurgeDeps {
  /** Time source of the state file (its timestamps). @default systemClock */
  clock?: Clock;
  /** Reads the confirmation. @default a line from stdin */
  prompt?: PromptLine;
}

/** Runs `byot failures purge`; returns the exit code (0). User errors are thrown. */
export async function runFailuresPurge(flags: PurgeFlags, io: Io, deps: PurgeDeps = {}): Promise<number> {
  const ledger = openStateFile(resolveStatePath(flags.state, io), { clock: deps.clock ?? systemClock });
  try {
    if (flags.run !== undefined) requireRun(ledger, flags.run);
    const groups = ledger.countFailures({ runId: flags.run, includeResolved: true }).byRunVault;
    const vaults = pickVaults([...new Set(groups.map((g) => g.vault))], flags.vault);
    const chosen = groups.filter((g) => vaults.includes(g.vault));
    const total = chosen.reduce((n, g) => n + g.count, 0);
    if (total === 0) {
      io.stderr.write(`no stored failed values to purge in ${ledger.path}\n`);
      return ExitCode.ok;
    }
    const lines = [
      `About to delete the stored values and tokens of ${formatInt(total)} failed records in ${ledger.path}:`,
      ...chosen.map((g) => `  run ${g.runId}, vault ${g.vault}: ${formatInt(g.count)}`),
      "Their status, message and counts stay; they can no longer be exported or retried.",
    ];
    io.stderr.write(lines.join("\n") + "\n");
    if (!await confirmProceed(io, { yes: flags.yes, action: "purge", prompt: deps.prompt })) {
      io.stderr.write("Operation cancelled.\n");
      return ExitCode.ok;
    }
    let purged = 0;
    for (const vault of vaults) purged += ledger.purgeFailures({ runId: flags.run, vault });
    io.stderr.write(`deleted the values and tokens of ${formatInt(purged)} failed records\n`);
    return ExitCode.ok;
  } finally {
    ledger.close();
  }
}
