/**
 * How byot runs under Deno: the V8 heap settings every entry point uses (tasks, the compiled
 * binary, and the child processes byot starts itself), and the arguments that re-run main.ts.
 *
 * A loader allocates fast and keeps little alive; V8's defaults let the heap grow far past the
 * live set before collecting. A lower growth factor holds peak RSS near 130 MB for any input size.
 * The young generation is sized so that most in-flight records die in it: with 8 MB semi-spaces a
 * record waiting ~60 ms for its answer outlived two scavenges and was promoted, and collecting the
 * old generation cost about a third of a load's CPU; 16 MB takes ~10 % off the CPU for ~10 MB of
 * RSS. Neither is a hard limit: a larger live set (big batches, a Snowflake result chunk) still fits.
 *
 * @module
 */

/** V8 flags for byot processes (keep in step with deno.json's tasks). */
export const V8_FLAGS = "--max-semi-space-size=16,--heap-growing-percent=50";

/** Arguments for `deno` to run byot's main.ts with the same permissions and heap settings. */
export function denoRunArgs(mainPath: string): string[] {
  return ["run", "-A", `--v8-flags=${V8_FLAGS}`, mainPath];
}

/**
 * How byot starts itself again (a detached load, the demo's simulator): the compiled binary runs
 * with the arguments alone; `deno` (any case, with or without `.exe`) runs main.ts first.
 *
 * @example
 * ```ts
 * import { selfCommand } from "./runtime.ts";
 *
 * selfCommand("/usr/bin/deno", "/app/main.ts", ["simulate"]).args[0]; // "run"
 * selfCommand("/usr/bin/byot", "/app/main.ts", ["simulate"]).args; // ["simulate"]
 * ```
 */
export function selfCommand(
  execPath: string,
  mainPath: string,
  args: readonly string[],
): { command: string; args: string[] } {
  const deno = /(^|[\\/])deno(\.exe)?$/i.test(execPath);
  return { command: execPath, args: deno ? [...denoRunArgs(mainPath), ...args] : [...args] };
}
