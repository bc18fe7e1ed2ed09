/**
 * `byot load --detach` (legacy `--offline`): run a load in the background, safe to leave when the
 * terminal closes.
 *
 * Deno cannot fork, so detaching is a re-launch:
 *
 * 1. The parent resolves the settings first, so every prompt (the hidden token prompt) is answered
 *    on the terminal, and selects or creates the ledger run, so the files can carry the run id and
 *    `--resume`/`--restart` problems are reported in the foreground.
 * 2. It opens `byot-<run>-<yyyymmdd-hhmmss>.log` (UTC, append, mode 0600) next to the state file
 *    (in the current directory with `--no-checkpoint`), and starts the same command again without
 *    `--detach`/`--offline`/`--restart`, in a new session (`setsid`: no controlling terminal, so no
 *    hangup or Ctrl-C from it), stdin from `/dev/null`, stdout and stderr appended to the log. The
 *    child resumes the run the parent selected and prints "resuming run …".
 * 3. Secrets the child cannot find again travel in its environment, never its argv: a prompted or
 *    `--token` bearer token as `SKYFLOW_BEARER_TOKEN`, a `--sf-password` as `SNOWFLAKE_PASSWORD`.
 * 4. The parent writes `byot-<run>.pid` (mode 0600) next to the log, prints how to follow, check
 *    and stop the run, and exits 0. A pid file whose process is alive refuses a second detach of
 *    the same run. Runs in other state files have other run ids, hence other files.
 * 5. The child (marked by {@linkcode DETACHED_ENV}, which names its pid file) ignores SIGHUP with
 *    one log line, and removes the pid file when the command ends (not when it is killed).
 *    SIGTERM (`kill $(cat <pid file>)`) is a clean, resumable stop (exit 143).
 *
 * The child is `deno run -A <main.ts> load …` under the `deno` CLI, `byot load …` when compiled.
 *
 * @module
 */
import { selfCommand } from "../shared/runtime.ts";
import { SECRET_FLAGS } from "../shared/redact.ts";
import { spawn } from "node:child_process";
import { closeSync, fchmodSync, openSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { ByotError, ConfigError } from "../../common/errors.ts";
import type { Io } from "../../common/io.ts";
import type { LoadSettings } from "../../config/settings.ts";

/** Environment variable that marks a detached child; its value is the pid file the child removes. */
export const DETACHED_ENV = "BYOT_DETACHED_PID_FILE";

/** The files of a detached run. */
export interface DetachFiles {
  /** `<dir>/byot-<run>-<yyyymmdd-hhmmss>.log` (UTC). */
  log: string;
  /** `<dir>/byot-<run>.pid`. */
  pid: string;
}

/** Names the log and pid files of run `runId` in `dir`, for a detach at `now` (ms since the epoch). */
export function detachFiles(runId: string, dir: string, now: number): DetachFiles {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return { log: resolve(dir, `byot-${runId}-${stamp}.log`), pid: resolve(dir, `byot-${runId}.pid`) };
}

const DROPPED = new Set(["--detach", "--offline", "--restart"]);
/** Dropped from the child's argv: the secret flags, and `--token-file` which `--token` outranks. */
const CHILD_SECRET_FLAGS = new Set([...SECRET_FLAGS, "--token-file"]);

/**
 * The child's command line: `argv` (as normalised by the CLI, starting with `load`) without the
 * detach flags, `--restart` (the parent already applied it) and the secret flags (the parent passes
 * those values in the environment; `--token-file` goes too when `--token` is there, which outranks it).
 */
export function childCommand(
  argv: readonly string[],
  options: { execPath: string; mainPath: string },
): { command: string; args: string[] } {
  const hasToken = argv.some((a) => a === "--token" || a.startsWith("--token="));
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = arg.startsWith("--") && arg.includes("=") ? arg.slice(0, arg.indexOf("=")) : arg;
    if (DROPPED.has(arg)) continue;
    if (CHILD_SECRET_FLAGS.has(name) && (name !== "--token-file" || hasToken)) {
      if (name === arg) i++;
      continue;
    }
    kept.push(arg);
  }
  return selfCommand(options.execPath, options.mainPath, kept);
}

/**
 * Secrets the child cannot find again by itself: the bearer token when it was prompted for or
 * given with `--token` (stripped from the child's argv), the Snowflake password given with
 * `--sf-password`. Everything else (files, environment, config) the child re-reads.
 */
export function childSecretEnv(settings: LoadSettings): Record<string, string> {
  const env: Record<string, string> = {};
  if (settings.bearerToken && (settings.tokenOrigin === "prompt" || settings.tokenOrigin === "flag")) {
    env.SKYFLOW_BEARER_TOKEN = settings.bearerToken;
  }
  if (settings.snowflake.password) env.SNOWFLAKE_PASSWORD = settings.snowflake.password;
  return env;
}

/** True when this load should detach: `--detach` was given and this is not already the child. */
export function shouldDetach(settings: LoadSettings, io: Io): boolean {
  return settings.detach && !io.env(DETACHED_ENV);
}

/** Starts the detached child with stdout and stderr on `logFd`; resolves to its pid. */
export type SpawnDetached = (
  command: string,
  args: string[],
  options: { env: Record<string, string>; logFd: number },
) => Promise<number>;

/** Options of {@linkcode detachLoad}. */
export interface DetachOptions {
  /** The ledger run the child will resume. @default `nockpt<pid>` (with `--no-checkpoint`) */
  runId?: string;
  /** The ledger file; its directory holds the log and pid files. @default none: the current directory */
  statePath?: string;
  /** The command line as normalised by the CLI, starting with `load`. */
  argv: readonly string[];
  /** The command line with secrets redacted, for the log's first line. @default "" */
  command?: string;
  /** The resolved settings; the secrets the child needs are taken from them. */
  settings: LoadSettings;
  /** Where the follow/check/stop hints are written (stderr). */
  io: Io;
  /** The running executable (`deno`, or the compiled `byot`). @default Deno.execPath() */
  execPath?: string;
  /** Entry point given to `deno run`. @default the repository's main.ts */
  mainPath?: string;
  /** Current time in ms since the epoch, for the log file name and first line. @default Date.now */
  now?: () => number;
  /** Starts the child process. @default node:child_process spawn, detached */
  spawn?: SpawnDetached;
}

/**
 * Re-launches the load in the background (see the module documentation), prints how to follow,
 * check and stop it, and returns exit code 0.
 *
 * @throws {ConfigError} when the run already runs detached (its pid file names a live process).
 * @throws {ByotError} when the background process cannot be started.
 */
export async function detachLoad(options: DetachOptions): Promise<number> {
  const { io } = options;
  if (options.argv.length === 0) throw new ByotError("--detach: the command line is unknown");
  const now = (options.now ?? Date.now)();
  const runId = options.runId ?? `nockpt${Deno.pid}`;
  const dir = options.statePath ? dirname(resolve(options.statePath)) : Deno.cwd();
  const files = detachFiles(runId, dir, now);
  refuseIfRunning(files.pid, runId);
  const { command, args } = childCommand(options.argv, {
    execPath: options.execPath ?? Deno.execPath(),
    mainPath: options.mainPath ?? fileURLToPath(new URL("../../../main.ts", import.meta.url)),
  });
  const env = { ...childSecretEnv(options.settings), [DETACHED_ENV]: files.pid };
  const fd = openSync(files.log, "a", 0o600);
  let pid: number;
  try {
    fchmodSync(fd, 0o600);
    const started = new Date(now).toISOString();
    writeSync(fd, `=== byot load --detach: run ${runId}, started ${started}\n`);
    if (options.command) writeSync(fd, `=== command: byot ${options.command}\n`);
    pid = await (options.spawn ?? spawnDetached)(command, args, { env, logFd: fd });
    await Deno.writeTextFile(files.pid, `${pid}\n`, { mode: 0o600 });
    await Deno.chmod(files.pid, 0o600);
  } finally {
    closeSync(fd);
  }
  const q = shellQuote;
  io.stderr.write(
    `run ${runId} continues in the background (pid ${pid}); output goes to its log file.\n` +
      `  follow:  tail -f ${q(files.log)}\n` +
      (options.statePath
        ? `  check:   byot status --state ${q(resolve(options.statePath))}\n`
        : "  check:   ps -p $(cat " + q(files.pid) + ")   (--no-checkpoint: no ledger)\n") +
      `  stop:    kill $(cat ${q(files.pid)})   (clean stop; ${
        options.statePath ? "run the same command again to resume" : "--no-checkpoint: a new run starts over"
      })\n`,
  );
  return 0;
}

/** Refuses a second detach of a run whose pid file names a live process. */
function refuseIfRunning(pidFile: string, runId: string): void {
  let pid: number;
  try {
    pid = Number.parseInt(Deno.readTextFileSync(pidFile).trim(), 10);
  } catch {
    return;
  }
  if (!(pid > 0) || !isAlive(pid)) return;
  throw new ConfigError(
    `run ${runId} already runs in the background (pid ${pid}, ${pidFile}); stop it with kill ${pid}, ` +
      "or delete the pid file if that process is not byot",
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/** Quotes a path for a POSIX shell when it needs it. */
function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The default {@linkcode SpawnDetached}: a new session, stdin `/dev/null`, output on the log. */
function spawnDetached(
  command: string,
  args: string[],
  options: { env: Record<string, string>; logFd: number },
): Promise<number> {
  return new Promise((resolvePid, reject) => {
    let child;
    try {
      child = spawn(command, args, {
        detached: true,
        stdio: ["ignore", options.logFd, options.logFd],
        env: { ...process.env, ...options.env },
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return reject(new ByotError(`--detach: cannot start the background process: ${message}`));
    }
    const fail = (error: Error) =>
      reject(new ByotError(`--detach: cannot start the background process: ${error.message}`));
    child.once("error", fail);
    child.once("spawn", () => {
      child.off("error", fail);
      child.unref();
      resolvePid(child.pid!);
    });
  });
}

/** A detached child's part: see {@linkcode detachedChild}. */
export interface DetachedChild extends Disposable {
  /** Removes the SIGHUP listener and the pid file (when it still names this process). */
  dispose(): void;
}

/** Options of {@linkcode detachedChild}. */
export interface DetachedChildOptions {
  /** This process's id, as written in the pid file. @default Deno.pid */
  pid?: number;
  /** Installs the SIGHUP handler. @default Deno.addSignalListener */
  addListener?: (signal: "SIGHUP", handler: () => void) => void;
  /** Removes the SIGHUP handler. @default Deno.removeSignalListener */
  removeListener?: (signal: "SIGHUP", handler: () => void) => void;
}

/**
 * In a detached child (marked by {@linkcode DETACHED_ENV}): logs one line, ignores SIGHUP (logging
 * it), and returns a handle whose `dispose()` removes the pid file. Undefined otherwise.
 *
 * @example
 * ```ts ignore
 * using _detached = detachedChild(io);
 * ```
 */
export function detachedChild(io: Io, options: DetachedChildOptions = {}): DetachedChild | undefined {
  const pidFile = io.env(DETACHED_ENV);
  if (!pidFile) return undefined;
  const pid = options.pid ?? Deno.pid;
  const add = options.addListener ?? ((s, h) => Deno.addSignalListener(s, h));
  const remove = options.removeListener ?? ((s, h) => Deno.removeSignalListener(s, h));
  const onHup = () => io.stderr.write("SIGHUP (terminal closed?): ignored, the load continues\n");
  try {
    add("SIGHUP", onHup);
  } catch {
    // no SIGHUP on this platform (Windows)
  }
  io.stderr.write(`detached: pid ${pid}; SIGHUP is ignored; stop cleanly with: kill ${pid}\n`);
  let disposed = false;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    try {
      remove("SIGHUP", onHup);
    } catch {
      // never added
    }
    try {
      if (Deno.readTextFileSync(pidFile).trim() === String(pid)) Deno.removeSync(pidFile);
    } catch {
      // already gone
    }
  };
  return { dispose, [Symbol.dispose]: dispose };
}
