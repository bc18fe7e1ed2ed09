/**
 * The lines that close a load's summary: the fatal error, where failed records are and the
 * commands that handle them, and the next step. Every command printed works as printed: it
 * carries the `--state` and `--config` the run used, and a resume is suggested only when one is
 * possible (never with `--no-checkpoint`, never after an input error that a resume would refuse).
 *
 * @module
 */
import { ExitCode, InterruptedError, SourceError } from "../../common/errors.ts";
import { formatInt } from "../../report/format.ts";

/** What {@linkcode closingLines} needs to know about the run. */
export interface ClosingContext {
  /** The exit code the load ends with. */
  code: number;
  /** The error that stopped the load, if any. */
  fatal: unknown;
  /** The ledger run; undefined with `--no-checkpoint`. */
  runId?: string;
  /** The state file the run used. */
  statePath: string;
  /** The config file the run used. */
  configPath: string;
  /** The command line (`load …`), secrets already redacted. */
  command: string;
  /** Records that failed for good (this run and before a resume). */
  failed: number;
  /** Records left unsettled: their transient retries ran out, the outcome is unknown. @default 0 */
  unsettled?: number;
}

/** Quotes an argument for a POSIX shell when it needs it. */
export function shellArg(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** `--state S --config C`, as the follow-up commands need them. */
export function ledgerArgs(statePath: string, configPath?: string): string {
  const config = configPath === undefined ? "" : ` --config ${shellArg(configPath)}`;
  return `--state ${shellArg(statePath)}${config}`;
}

/** The three commands that handle a run's failed records. */
export function failureCommands(statePath: string, configPath: string): string[] {
  const state = ledgerArgs(statePath);
  return [
    `  byot failures list ${state}`,
    `  byot failures export --format json ${state}`,
    `  byot failures retry ${ledgerArgs(statePath, configPath)}`,
  ];
}

/**
 * The command that runs the load again: the user's command line with secret flags dropped (their
 * value was redacted) and a note saying so, else `byot load` with the run's state and config.
 */
export function againCommand(command: string, statePath: string, configPath: string): string {
  if (!command) return `byot load ${ledgerArgs(statePath, configPath)} (with the options of the run)`;
  const dropped = /(^| )(-{1,2}(token|sf-password))(=\*\*\*| \*\*\*)/g;
  const secret = dropped.test(command);
  const clean = command.replace(dropped, "");
  return `byot ${clean}` + (secret ? "   (give the token as before: it is not repeated here)" : "");
}

/** `again` with `--restart --upsert` after the subcommand (and without `--no-upsert`). */
function restartCommand(again: string): string {
  return again.replace(/ --no-upsert\b/, "").replace(/^(byot \S+)/, "$1 --restart --upsert");
}

/** The closing lines of a load summary. */
export function closingLines(c: ClosingContext): string[] {
  const lines: string[] = [];
  if ((c.unsettled ?? 0) > 0) {
    lines.push(
      `${
        formatInt(c.unsettled!)
      } records are unsettled: the vault kept failing transiently (5xx, timeouts, ` +
        "network) until their retries ran out, so whether they landed is unknown. They are not failed: " +
        "running the same command again reads them back and finishes them.",
    );
  }
  const fatal = c.fatal !== undefined && !(c.fatal instanceof InterruptedError) ? c.fatal : undefined;
  if (fatal !== undefined) lines.push(`error: ${fatal instanceof Error ? fatal.message : String(fatal)}`);
  if (c.code === ExitCode.ok) return lines;
  const again = againCommand(c.command, c.statePath, c.configPath);
  if (c.runId === undefined) {
    if (c.failed > 0) {
      lines.push(`${formatInt(c.failed)} failed records were not kept (--no-checkpoint: no state file).`);
    }
    if (c.code !== ExitCode.someFailed) {
      lines.push(
        "This run kept no checkpoint (--no-checkpoint): running it again starts from the first row.",
      );
    }
    return lines;
  }
  if (c.failed > 0) {
    lines.push(`${formatInt(c.failed)} failed records are kept in ${c.statePath} (run ${c.runId}):`);
    lines.push(...failureCommands(c.statePath, c.configPath));
  }
  if (c.code === ExitCode.someFailed) return lines;
  if (fatal instanceof SourceError && fatal.exitCode === ExitCode.usage) {
    lines.push(
      `Run ${c.runId} is not finished. Fix the input, then start over (a changed input cannot be resumed; ` +
        `--upsert lets the records already stored be sent again): ` +
        restartCommand(again),
    );
  } else {
    lines.push(`Run ${c.runId} is not finished. To resume, run again: ${again}`);
  }
  return lines;
}
