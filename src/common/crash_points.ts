/**
 * Deterministic crash points for recovery tests. With `BYOT_CRASH_AT=<label>:<n>` in the
 * environment, the process kills itself with SIGKILL (no clean-up, no flush: a real crash) the n-th
 * time execution passes the labelled point. Unset, each check is one comparison.
 *
 * Labels: `after-read` (a batch was built from the source), `after-send` (the vault answered, the
 * outcome is not yet recorded), `after-commit` (a ledger group commit finished), `before-finish`
 * (every batch is settled, the run is not yet marked finished).
 *
 * @module
 */

/** The labelled points. */
export type CrashLabel = "after-read" | "after-send" | "after-commit" | "before-finish";

let armed: { label: string; remaining: number } | undefined | null = null;

function config(): { label: string; remaining: number } | undefined {
  if (armed !== null) return armed;
  let spec: string | undefined;
  try {
    spec = Deno.env.get("BYOT_CRASH_AT");
  } catch {
    spec = undefined;
  }
  const match = spec?.match(/^([a-z-]+):(\d+)$/);
  armed = match ? { label: match[1], remaining: Number(match[2]) } : undefined;
  return armed;
}

/** Passes the point `label`; kills the process when the armed crash point is reached. */
export function crashPoint(label: CrashLabel): void {
  const c = config();
  if (c === undefined || c.label !== label) return;
  c.remaining--;
  if (c.remaining <= 0) Deno.kill(Deno.pid, "SIGKILL");
}
