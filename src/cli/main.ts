/**
 * The byot command line: builds the program, maps errors to one line and an exit code, and keeps
 * the Go loader's spellings working (`-source csv -vault name`, and no subcommand meaning `load`).
 *
 * @module
 */
import { Command, CommanderError } from "@commander-js/extra-typings";
import { ByotError, ExitCode, exitCodeOf, isUserError } from "../common/errors.ts";
import type { Io } from "../common/io.ts";
import { legacyGenerate, normalizeLegacyArgv } from "./legacy_argv.ts";
import { checkCommand } from "./check/check_command.ts";
import { clearCommand } from "./clear/clear_command.ts";
import { demoCommand } from "./demo.ts";
import { failuresCommand } from "./failures/failures_command.ts";
import { generateCommand } from "./generate.ts";
import { loadCommand } from "./load/load_command.ts";
import type { CommandResult } from "./shared/command.ts";
import { longNamesOf } from "./shared/options.ts";
import type { LoadDeps } from "./load/run.ts";
import { simulateCommand } from "./simulate.ts";
import { reportCommand } from "./report/report_command.ts";
import { statusCommand } from "./status/status_command.ts";
import { tuneCommand } from "./tune/tune_command.ts";
import { verifyCommand } from "./verify/verify_command.ts";
import { VERSION } from "./shared/version.ts";

/** Collaborators for tests; production defaults otherwise. */
export interface MainDeps extends LoadDeps {
  /** Aborts long-running commands such as `simulate` (tests). */
  signal?: AbortSignal;
}

/** Runs byot with `argv` (without the program name) and returns the exit code. */
export async function main(argv: readonly string[], io: Io, deps: MainDeps = {}): Promise<number> {
  const generate = legacyGenerate(argv);
  if (generate) io.stderr.write(generate.note);
  const args = generate?.args ?? legacyArgs(argv, io);
  const result: CommandResult = { code: ExitCode.ok };
  const output = {
    writeOut: (text: string) => io.stdout.write(text),
    writeErr: (text: string) => io.stderr.write(text),
    outputError: () => {},
  };
  const program = new Command()
    .name("byot")
    .description("Bulk-load (value, token) pairs into Skyflow vaults with your own tokens (BYOT).")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput(output)
    .showSuggestionAfterError(true);
  program.addCommand(loadCommand(io, result, { ...deps, argv: args }));
  program.addCommand(checkCommand(io, result, deps));
  program.addCommand(simulateCommand(io, { signal: deps.signal }));
  program.addCommand(generateCommand(io, { clock: deps.clock }));
  program.addCommand(demoCommand(io, result));
  program.addCommand(statusCommand(io, result, deps));
  program.addCommand(reportCommand(io, result, deps));
  program.addCommand(failuresCommand(io, result, deps));
  program.addCommand(clearCommand(io, result, deps));
  program.addCommand(tuneCommand(io, result, deps));
  program.addCommand(verifyCommand(io, result, { ...deps, argv: args }));
  for (const command of program.commands) command.exitOverride().configureOutput(output);
  try {
    await program.parseAsync([...args], { from: "user" });
    return result.code;
  } catch (error) {
    return report(error, io);
  }
}

function legacyArgs(argv: readonly string[], io: Io): string[] {
  const first = argv[0];
  const implicitLoad = first !== undefined && first.startsWith("-") &&
    !["-h", "--help", "-V", "--version"].includes(first);
  const args = implicitLoad ? ["load", ...argv] : [...argv];
  if (args[0] === "load") {
    return ["load", ...normalizeLegacyArgv(args.slice(1), longNamesOf(loadCommand(io, { code: 0 })))];
  }
  return args;
}

function report(error: unknown, io: Io): number {
  if (error instanceof CommanderError) {
    if (
      error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.exitCode === 0
    ) {
      return ExitCode.ok;
    }
    if (error.code === "commander.help") return ExitCode.ok;
    // commander's messages already start with "error: "
    io.stderr.write(`${error.message}\n`);
    return ExitCode.usage;
  }
  const inner = error instanceof Error && error.cause instanceof ByotError && !(error instanceof ByotError)
    ? error.cause
    : error;
  const message = inner instanceof Error ? inner.message : String(inner);
  if (isUserError(inner) || inner instanceof ByotError) {
    io.stderr.write(`error: ${message}\n`);
    return exitCodeOf(inner);
  }
  io.stderr.write(`error: unexpected failure: ${message}\n`);
  if (io.env("BYOT_DEBUG") && inner instanceof Error && inner.stack) io.stderr.write(`${inner.stack}\n`);
  else io.stderr.write("(set BYOT_DEBUG=1 for a stack trace; please report this as a bug)\n");
  return ExitCode.internal;
}
