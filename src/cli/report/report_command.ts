/**
 * `byot report [--run ID] [--out FILE] [--state FILE]`: writes one self-contained HTML page about a
 * run (finished or still running) from the state file, opened read-only: the run's facts, per-vault
 * tables, and charts over time from the ledger's interval samples (records per second, latency
 * p50/p99, requests in flight against the concurrency limit, 429s, retries and failures). The file
 * is written with mode 0600, like exports.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { type Clock, systemClock } from "../../common/clock.ts";
import { ConfigError, ExitCode } from "../../common/errors.ts";
import type { Io } from "../../common/io.ts";
import { writePrivateFile } from "../../common/private_file.ts";
import type { Ledger, RunInfo } from "../../ledger/mod.ts";
import type { IntervalSample } from "../../report/interval_sampler.ts";
import { renderRunReport, type ReportVault, type RunReportData, sampleStats } from "../../report/html/mod.ts";
import type { CommandResult } from "../shared/command.ts";
import { buildStatus, type BuildStatusOptions, type VaultStatus } from "../status/report.ts";
import { openStateFile, requireRun, resolveStatePath } from "../shared/state_file.ts";
import { VERSION } from "../shared/version.ts";

/** Flags of `byot report`. */
export interface ReportFlags {
  /** `--state FILE`. @default $BYOT_STATE, else ./byot-state.db */
  state?: string;
  /** `--run ID`. @default the latest unfinished run, else the newest */
  run?: string;
  /** `--out FILE`. @default byot-report-<run id>.html */
  out?: string;
}

/** Collaborators of `byot report`. */
export interface ReportDeps extends BuildStatusOptions {
  /** Time of the report. @default systemClock */
  clock?: Clock;
}

/**
 * Builds the `report` command.
 *
 * @internal CLI wiring for `main()`: its signature uses commander types, which are not documented here.
 */
export function reportCommand(io: Io, result: CommandResult, deps: ReportDeps = {}): Command {
  return new Command("report")
    .description(
      "write a self-contained HTML report of a run (finished or running): tables and charts over time",
    )
    .option(
      "--state <file>",
      "checkpoint ledger, opened read-only (default: $BYOT_STATE, else ./byot-state.db)",
    )
    .option("--run <id>", "the run to report (default: the latest unfinished run, else the newest)")
    .option("--out <file>", "the HTML file to write, mode 0600 (default: byot-report-<run id>.html)")
    .action(async (opts) => {
      result.code = await runReport(opts, io, deps);
    });
}

/** Runs `byot report`; returns the exit code (0). User errors are thrown. */
export async function runReport(flags: ReportFlags, io: Io, deps: ReportDeps = {}): Promise<number> {
  const clock = deps.clock ?? systemClock;
  const ledger = openStateFile(resolveStatePath(flags.state, io), { clock, readOnly: true });
  try {
    const run = flags.run !== undefined
      ? requireRun(ledger, flags.run)
      : ledger.latestUnfinishedRun() ?? ledger.listRuns(1)[0];
    if (!run) throw new ConfigError(`${ledger.path} holds no runs yet: start one with byot load`);
    const data = await gather(ledger, run, clock.now(), deps);
    const out = flags.out ?? `byot-report-${run.id}.html`;
    const html = renderRunReport(data);
    try {
      writePrivateFile(out, (write) => write(html));
    } catch (error) {
      const detail = error instanceof Deno.errors.NotFound
        ? "its directory does not exist"
        : error instanceof Error
        ? error.message
        : String(error);
      throw new ConfigError(`--out ${out}: cannot write the report: ${detail}`, { cause: error });
    }
    io.stderr.write(
      `Report of run ${run.id} (${run.status}, ${data.samples.length} samples) written to ${out}\n`,
    );
    return ExitCode.ok;
  } finally {
    ledger.close();
  }
}

async function gather(ledger: Ledger, run: RunInfo, now: number, deps: ReportDeps): Promise<RunReportData> {
  const status = await buildStatus(ledger, run, deps);
  const samples = ledger.samples(run.id);
  const of = (vault: string) => samples.filter((s) => s.vault === vault);
  return {
    version: VERSION,
    generatedAt: now,
    stateFile: ledger.path,
    run: {
      id: run.id,
      status: run.status,
      sourceKind: run.sourceKind,
      shard: run.shard,
      command: run.command,
      createdAt: run.createdAt,
      updatedAt: run.updatedAt,
      finishedAt: run.finishedAt,
    },
    vaults: status.vaults.map((v) => reportVault(v, of(v.name))),
    totals: reportVault(status.totals, samples),
    samples,
    failuresByStatus: ledger.countFailures({ runId: run.id, includePurged: true }).byStatus
      .map((b) => ({ status: b.statusCode, count: b.count })),
  };
}

function reportVault(v: VaultStatus, samples: IntervalSample[]): ReportVault {
  const stats = sampleStats(samples);
  return {
    name: v.name,
    total: v.total,
    loaded: Math.max(0, v.loaded - stats.alreadyPresent),
    alreadyPresent: stats.alreadyPresent,
    failed: v.failed,
    skipped: v.skipped,
    pending: v.pending,
    unresolvedFailures: v.failures.unresolved,
    resolvedFailures: v.failures.resolved,
    requests: v.requests,
    rateLimited: stats.rateLimited,
    retries: stats.retries,
    latencyP50Ms: stats.latencyP50Ms,
    latencyP99Ms: stats.latencyP99Ms,
    recordsPerSecond: v.recordsPerSecond,
    elapsedMs: v.elapsedMs,
    etaMs: v.etaMs,
    finished: v.finished,
  };
}
