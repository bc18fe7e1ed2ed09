/**
 * How byot runs under Deno: the V8 heap settings every entry point uses (tasks, the compiled
 * binary, and the child processes byot starts itself), and the arguments that re-run main.ts.
 *
 * A loader allocates fast and keeps little alive; V8's defaults let the heap grow far past the
 * live set before collecting. A smaller young generation and a lower growth factor hold peak RSS
 * near 140 MB for any input size at ~10% more CPU. Neither is a hard limit: a larger live set
 * (big batches, a Snowflake result chunk) still fits.
 *
 * @module
 */

/** V8 flags for byot processes (keep in step with deno.json's tasks). */
export const V8_FLAGS = "--max-semi-space-size=8,--heap-growing-percent=50";

/** Arguments for `deno` to run byot's main.ts with the same permissions and heap settings. */
export function denoRunArgs(mainPath: string): string[] {
  return ["run", "-A", `--v8-flags=${V8_FLAGS}`, mainPath];
}
