/**
 * A test double of {@linkcode Io} that keeps what a command writes.
 *
 * @module
 */
import type { Io } from "../../src/common/io.ts";

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
