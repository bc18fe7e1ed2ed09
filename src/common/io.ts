/**
 * Output streams and process environment as an injectable dependency. Commands write through an
 * {@linkcode Io}; tests pass {@linkcode captureIo} and read what was written.
 *
 * @module
 */

/** A line-oriented text sink. */
export interface TextSink {
  /** Writes text as is (no newline added). */
  write(text: string): void;
  /** True when the sink is an interactive terminal. */
  readonly isTerminal: boolean;
  /** Terminal width in columns, when known. */
  readonly columns?: number;
}

/** Everything a command needs from its process. */
export interface Io {
  /** Data and `--json` results. */
  stdout: TextSink;
  /** Messages, warnings and progress. */
  stderr: TextSink;
  /** True when stdin is an interactive terminal (prompts are allowed). */
  stdinIsTerminal: boolean;
  /** Environment variables. */
  env: (name: string) => string | undefined;
  /** Colour is allowed (a TTY, no `NO_COLOR`, `TERM` not `dumb`). */
  color: boolean;
}

const encoder = new TextEncoder();

function denoSink(file: typeof Deno.stdout | typeof Deno.stderr): TextSink {
  const isTerminal = file.isTerminal();
  let columns: number | undefined;
  try {
    columns = isTerminal ? Deno.consoleSize().columns : undefined;
  } catch {
    columns = undefined;
  }
  return {
    isTerminal,
    columns,
    write(text: string) {
      const bytes = encoder.encode(text);
      let written = 0;
      while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
    },
  };
}

/** The real process's streams and environment. */
export function denoIo(): Io {
  const stderr = denoSink(Deno.stderr);
  const env = (name: string) => Deno.env.get(name);
  const noColor = (env("NO_COLOR") ?? "") !== "" || env("TERM") === "dumb";
  return {
    stdout: denoSink(Deno.stdout),
    stderr,
    stdinIsTerminal: Deno.stdin.isTerminal(),
    env,
    color: stderr.isTerminal && !noColor,
  };
}

/** An {@linkcode Io} that records output, for tests. */
export interface CapturedIo extends Io {
  /** Everything written to stdout so far. */
  readonly out: string;
  /** Everything written to stderr so far. */
  readonly err: string;
}

/** Options of {@linkcode captureIo}. */
export interface CaptureIoOptions {
  /** Environment visible to the command. @default {} */
  env?: Record<string, string>;
  /** Pretend stderr is a terminal. @default false */
  terminal?: boolean;
}

/** Creates an {@linkcode Io} whose output is kept in memory. */
export function captureIo(options: CaptureIoOptions = {}): CapturedIo {
  let out = "";
  let err = "";
  const env = options.env ?? {};
  const terminal = options.terminal ?? false;
  return {
    stdout: { isTerminal: false, write: (t) => void (out += t) },
    stderr: { isTerminal: terminal, columns: terminal ? 100 : undefined, write: (t) => void (err += t) },
    stdinIsTerminal: false,
    env: (name) => env[name],
    color: false,
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}
