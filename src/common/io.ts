/**
 * Output streams and process environment as an injectable dependency. Commands write through an
 * {@linkcode Io}; tests pass one that records output (`tests/_fixtures/io.ts`) and read it.
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
