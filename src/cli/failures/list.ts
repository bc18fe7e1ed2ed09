/**
 * `byot failures list`: a table of the failed records still failing (purged ones included, their
 * values gone), filtered by `--run`, `--vault` and `--status`, `--limit` rows at most. Values and tokens
 * are PII: masked (`•••••`, nothing of the value shows) unless `--show-values`, and masked inside
 * messages too.
 *
 * @module
 */
import { type Clock, systemClock } from "../../common/clock.ts";
import { ConfigError, ExitCode } from "../../common/errors.ts";
import type { Io } from "../../common/io.ts";
import type { FailureFilter, FailureVerdict, StoredFailure } from "../../ledger/mod.ts";
import { formatInt } from "../../report/format.ts";
import { openStateFile, pickVaults, requireRun, resolveStatePath } from "../shared/state_file.ts";
import { maskValue, redactMessage } from "../shared/redact.ts";
import { renderTable, type TableColumn } from "../shared/table.ts";

/** Flags of `byot failures list`. */
export interface ListFlags {
  /** `--state FILE`. @default $BYOT_STATE, else ./byot-state.db */
  state?: string;
  /** `--run ID`. @default every run */
  run?: string;
  /** `--vault NAME[,NAME]`, any case. @default every vault */
  vault?: string;
  /** `--status CODE` (0 = network). @default every status */
  status?: number;
  /** `--verdict missing|mismatched`: only what `byot verify` found. @default every failure */
  verdict?: FailureVerdict;
  /** `--limit N`: rows shown, 0 = all. @default 50 */
  limit?: number;
  /** `--show-values`: print values and tokens in full (PII). @default false */
  showValues?: boolean;
}

/** Rows `failures list` shows by default. */
export const DEFAULT_LIST_LIMIT = 50;

const MESSAGE_WIDTH = 60;

/** Runs `byot failures list`; returns the exit code (0). User errors are thrown. */
export function runFailuresList(flags: ListFlags, io: Io, deps: { clock?: Clock } = {}): number {
  const limit = flags.limit ?? DEFAULT_LIST_LIMIT;
  if (limit < 0) throw new ConfigError(`--limit must be 0 (all) or more (got ${limit})`);
  const ledger = openStateFile(resolveStatePath(flags.state, io), {
    clock: deps.clock ?? systemClock,
    readOnly: true,
  });
  try {
    if (flags.run !== undefined) requireRun(ledger, flags.run);
    const base: FailureFilter = {
      runId: flags.run,
      statusCode: flags.status,
      verdict: flags.verdict,
      includePurged: true,
    };
    const groups = ledger.countFailures(base).byRunVault;
    const vaults = new Set(pickVaults([...new Set(groups.map((g) => g.vault))], flags.vault));
    const chosen = groups.filter((g) => vaults.has(g.vault));
    const total = chosen.reduce((n, g) => n + g.count, 0);
    if (total === 0) {
      io.stderr.write(`no failed records${describeFilter(flags)} in ${ledger.path}\n`);
      return ExitCode.ok;
    }
    const manyRuns = new Set(chosen.map((g) => g.runId)).size > 1;
    const shown: StoredFailure[] = [];
    for (const g of chosen) {
      for (const f of ledger.eachFailure({ ...base, runId: g.runId, vault: g.vault })) {
        if (limit > 0 && shown.length >= limit) break;
        shown.push(f);
      }
      if (limit > 0 && shown.length >= limit) break;
    }
    const rows = shown.map((f) => listRow(f, flags.showValues ?? false, manyRuns));
    io.stdout.write(renderTable(columns(manyRuns), rows));
    if (rows.length < total) {
      io.stderr.write(
        `showing ${formatInt(rows.length)} of ${formatInt(total)} failed records; ` +
          `${formatInt(total - rows.length)} more (--limit N shows more, 0 = all)\n`,
      );
    }
    if (!flags.showValues && shown.some((f) => f.value !== null || f.token !== null)) {
      io.stderr.write("values and tokens are masked; --show-values shows them (PII)\n");
    }
    return ExitCode.ok;
  } finally {
    ledger.close();
  }
}

function columns(withRun: boolean): TableColumn[] {
  return [
    ...(withRun ? [{ header: "Run" }] : []),
    { header: "Vault" },
    { header: "Position", right: true },
    { header: "Status", right: true },
    { header: "Attempts", right: true },
    { header: "Request id" },
    { header: "Message", maxWidth: MESSAGE_WIDTH },
    { header: "Value" },
    { header: "Token" },
  ];
}

function listRow(f: StoredFailure, show: boolean, withRun: boolean): string[] {
  return [
    ...(withRun ? [f.runId] : []),
    f.vault,
    String(f.position),
    String(f.statusCode),
    String(f.attempts),
    f.requestId ?? "-",
    show ? f.message : redactMessage(f.message, f),
    show ? f.value ?? "(purged)" : maskValue(f.value),
    show ? f.token ?? "(purged)" : maskValue(f.token),
  ];
}

function describeFilter(flags: ListFlags): string {
  const parts: string[] = [];
  if (flags.run !== undefined) parts.push(`run ${flags.run}`);
  if (flags.vault !== undefined) parts.push(`vault ${flags.vault}`);
  if (flags.status !== undefined) parts.push(`status ${flags.status}`);
  if (flags.verdict !== undefined) parts.push(`verdict ${flags.verdict}`);
  return parts.length ? ` for ${parts.join(", ")}` : "";
}
