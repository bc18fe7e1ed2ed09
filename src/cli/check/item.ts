/**
 * One line of `byot check`: what was checked, how it went, and for a problem what to do.
 *
 * @module
 */

/** `ok` ✓, `warn` ! (the load can run, but read the line), `fail` ✗ (the load would fail). */
export type CheckStatus = "ok" | "warn" | "fail";

/** One checked item. */
export interface CheckItem {
  /** Stable id for `--json` consumers, e.g. `credentials`, `vault:NAME:table`. */
  id: string;
  /** How it went. */
  status: CheckStatus;
  /** One line saying what was found (never a secret or a record value). */
  title: string;
  /** What to do about a warning or a problem. */
  fix?: string;
}

const MARKS: Record<CheckStatus, string> = { ok: "✓", warn: "!", fail: "✗" };

/**
 * The checklist as text: one line per item, a fix indented below a warning or a problem.
 *
 * @param onlyProblems show the ✗ lines only (the quiet preflight of `byot load`).
 * @example
 * ```ts
 * renderChecks([{ id: "x", status: "fail", title: "vault URL unreachable", fix: "check --vault-url" }]);
 * // "✗ vault URL unreachable\n    → check --vault-url\n"
 * ```
 */
export function renderChecks(items: readonly CheckItem[], onlyProblems = false): string {
  const lines: string[] = [];
  for (const item of items) {
    if (onlyProblems && item.status !== "fail") continue;
    lines.push(`${MARKS[item.status]} ${item.title}`);
    if (item.fix && item.status !== "ok") lines.push(`    → ${item.fix}`);
  }
  return lines.length > 0 ? lines.join("\n") + "\n" : "";
}

/** True when no item failed. */
export function allPassed(items: readonly CheckItem[]): boolean {
  return items.every((item) => item.status !== "fail");
}
