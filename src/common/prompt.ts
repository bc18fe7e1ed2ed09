/**
 * A visible one-line prompt on stdin, for answers that are not secret (confirmations, a user
 * name). Secrets use the hidden prompt in `src/config/secrets.ts`.
 *
 * @module
 */
import { ByotError } from "./errors.ts";
import type { TextSink } from "./io.ts";

/**
 * Writes `question` on `sink` and reads one line from stdin (an empty string at end of input).
 *
 * @throws {ByotError} (exit 1) when stdin cannot be read.
 */
export async function readLineFromStdin(question: string, sink: TextSink): Promise<string> {
  sink.write(question);
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(1024);
  let line = "";
  try {
    while (!line.includes("\n")) {
      const n = await Deno.stdin.read(buffer);
      if (n === null) break;
      line += decoder.decode(buffer.subarray(0, n), { stream: true });
    }
  } catch (error) {
    throw new ByotError("could not read the answer from stdin", { cause: error });
  }
  return line.split(/\r?\n/)[0];
}
