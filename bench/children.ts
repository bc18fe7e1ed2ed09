/**
 * Child processes of the benchmark: every child is bounded by a timeout (SIGTERM, then SIGKILL 5 s
 * later), registered while it runs, and stopped when the benchmark stops
 * ({@linkcode stopAllChildren}).
 *
 * @module
 */

const live = new Set<Deno.ChildProcess>();

/**
 * Sends `signal` to every child still running. Safe to call more than once.
 *
 * @example
 * ```ts
 * killAllChildren("SIGTERM");
 * ```
 */
export function killAllChildren(signal: Deno.Signal = "SIGKILL"): void {
  for (const child of live) {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Stops every child: SIGTERM (so a child can stop its own children), then SIGKILL after `graceMs`
 * to whatever is left.
 *
 * @example
 * ```ts
 * await stopAllChildren();
 * ```
 */
export async function stopAllChildren(graceMs = 2000): Promise<void> {
  if (live.size === 0) return;
  killAllChildren("SIGTERM");
  const deadline = performance.now() + graceMs;
  while (live.size > 0 && performance.now() < deadline) await sleep(50);
  killAllChildren("SIGKILL");
}

/** How a child was started. */
export interface SpawnOptions {
  /** Arguments after the executable. */
  args: string[];
  /** Working directory. @default Deno.cwd() */
  cwd?: string;
  /** Extra environment variables. @default {} */
  env?: Record<string, string>;
  /** The executable. @default Deno.execPath() */
  command?: string;
  /** Sees stderr text as it arrives (e.g. to forward progress lines). @default undefined */
  onStderr?: (text: string) => void;
}

/** A registered, running child with its output being read. */
export interface Child {
  /** The process id. */
  readonly pid: number;
  /** `performance.now()` just before the spawn. */
  readonly spawnedAt: number;
  /** Resolves with stdout (complete) when the child has exited. */
  readonly stdout: Promise<string>;
  /** Resolves with the last 16 KiB of stderr when the child has exited. */
  readonly stderrTail: Promise<string>;
  /** Resolves once the first stdout line is complete (or stdout ends: then `undefined`). */
  readonly firstLine: Promise<string | undefined>;
  /** The exit status. */
  readonly status: Promise<Deno.CommandStatus>;
  /** Sends a signal; ignores a child that is gone. */
  kill(signal?: Deno.Signal): void;
}

const TAIL = 16 * 1024;

async function readAll(
  stream: ReadableStream<Uint8Array>,
  onText: (text: string) => void,
  tail: number,
): Promise<string> {
  let out = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    onText(text);
    out += text;
    if (out.length > 4 * tail) out = out.slice(-tail);
  }
  return out.length > tail ? out.slice(-tail) : out;
}

/**
 * Spawns a child with piped stdout and stderr (both drained so the child never blocks).
 *
 * @example
 * ```ts
 * const child = spawnChild({ args: ["--version"] });
 * await child.status;
 * ```
 */
export function spawnChild(options: SpawnOptions): Child {
  const spawnedAt = performance.now();
  const process = new Deno.Command(options.command ?? Deno.execPath(), {
    args: options.args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  live.add(process);
  let gotLine: (line: string | undefined) => void = () => {};
  const firstLine = new Promise<string | undefined>((resolve) => (gotLine = resolve));
  let buffered = "";
  let lineSeen = false;
  const stdout = readAll(process.stdout, (text) => {
    if (lineSeen) return;
    buffered += text;
    const nl = buffered.indexOf("\n");
    if (nl >= 0) {
      lineSeen = true;
      gotLine(buffered.slice(0, nl));
    }
  }, Number.MAX_SAFE_INTEGER).finally(() => gotLine(undefined));
  const stderrTail = readAll(process.stderr, options.onStderr ?? (() => {}), TAIL);
  const status = process.status.finally(() => live.delete(process));
  return {
    pid: process.pid,
    spawnedAt,
    stdout,
    stderrTail,
    firstLine,
    status,
    kill(signal: Deno.Signal = "SIGTERM") {
      try {
        process.kill(signal);
      } catch {
        // already exited
      }
    },
  };
}

/** A child's end. */
export interface ChildResult {
  /** Exit code (`-1` when killed by a signal). */
  code: number;
  /** True when the timeout killed it. */
  timedOut: boolean;
  /** Milliseconds from spawn to exit. */
  wallMs: number;
  /** Everything written on stdout. */
  stdout: string;
  /** The end of stderr. */
  stderrTail: string;
}

/**
 * Waits for a child to exit, killing it (SIGKILL) after `timeoutMs`.
 *
 * @example
 * ```ts
 * const result = await finishChild(spawnChild({ args: ["eval", "1"] }), 10_000);
 * ```
 */
export async function finishChild(child: Child, timeoutMs: number): Promise<ChildResult> {
  let timedOut = false;
  let hardTimer: ReturnType<typeof setTimeout> | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGTERM");
    hardTimer = setTimeout(() => child.kill("SIGKILL"), 5000);
  }, timeoutMs);
  try {
    const status = await child.status;
    const wallMs = performance.now() - child.spawnedAt;
    const [stdout, stderrTail] = await Promise.all([child.stdout, child.stderrTail]);
    return { code: status.signal ? -1 : status.code, timedOut, wallMs, stdout, stderrTail };
  } finally {
    clearTimeout(timer);
    clearTimeout(hardTimer);
  }
}

/**
 * Runs a child to completion within `timeoutMs`.
 *
 * @example
 * ```ts
 * const { code, stdout } = await runChild({ args: ["--version"] }, 10_000);
 * ```
 */
export function runChild(options: SpawnOptions, timeoutMs: number): Promise<ChildResult> {
  return finishChild(spawnChild(options), timeoutMs);
}

/**
 * Resolves after `ms` milliseconds.
 *
 * @example
 * ```ts
 * await sleep(100);
 * ```
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
