/**
 * Runs one `byot verify`: settings → plan (the load's sources, shards and range) → a verify run in the
 * ledger → the load's pipeline with a read-back checker in place of the insert path (same batching,
 * workers, pacing and 429 handling; never an insert) → summary and exit code. Missing and mismatched
 * records are stored as failures with their verdict, so `byot failures retry` repairs them.
 *
 * @module
 */
import { dirname } from "node:path";
import { systemClock } from "../../common/clock.ts";
import { ConfigError, InterruptedError } from "../../common/errors.ts";
import type { Io } from "../../common/io.ts";
import type { LoadFlags } from "../../config/load_flags.ts";
import { resolveLoadSettings } from "../../config/resolve.ts";
import type { LoadSettings } from "../../config/settings.ts";
import { Ledger, type RunInfo } from "../../ledger/mod.ts";
import { runLoad } from "../../pipeline/load.ts";
import { TeeSink } from "../../pipeline/tee_sink.ts";
import { formatDuration, formatInt } from "../../report/format.ts";
import type { RunMetrics } from "../../report/run_metrics.ts";
import { filterSource, sampleFilter } from "../../sources/filter.ts";
import { type LoadPlan, planLoad } from "../../sources/plan.ts";
import { estimateDataRows } from "../../sources/csv/row_count.ts";
import { createTokenProvider } from "../../vault/auth/token_factory.ts";
import { type CheckCounts, RecordChecker } from "../../vault/record_checker.ts";
import { runExitCode } from "../shared/exit_code.ts";
import { installStopHandlers } from "../shared/signals.ts";
import { requireRun, resolveStatePath } from "../shared/state_file.ts";
import { RunReporting } from "../shared/reporting.ts";
import type { LoadDeps } from "../load/run.ts";
import { redactArgv } from "../shared/redact.ts";

/** Flags of `byot verify` beyond the load's. */
export interface VerifyFlags {
  /** `--state FILE` (else `BYOT_STATE`, else `./byot-state.db`). */
  state?: string;
  /** `--sample RATE`: verify a deterministic sample, 0 < RATE ≤ 1. @default 1 (every record) */
  sample?: number;
  /** `--run ID`: verify what that load run settled as loaded. */
  run?: string;
}

/** Runs `byot verify` and returns its exit code. User errors are thrown (the CLI prints them). */
export async function runVerifyCommand(
  flags: LoadFlags & VerifyFlags,
  io: Io,
  deps: LoadDeps = {},
): Promise<number> {
  const clock = deps.clock ?? systemClock;
  const settings = await resolveLoadSettings({ flags, io, promptSecret: deps.promptSecret });
  if (settings.source === "error-log") {
    throw new ConfigError(
      "byot verify reads a CSV or Snowflake source: --source error-log has nothing to verify",
    );
  }
  const statePath = resolveStatePath(flags.state, io);
  const ledger = Ledger.open(statePath, { clock });
  let plan: LoadPlan | undefined;
  const stop = (deps.stop ?? installStopHandlers)({ stderr: io.stderr });
  let reporting: RunReporting | undefined;
  try {
    const loadRun = flags.run === undefined ? undefined : requireRun(ledger, flags.run);
    applyRunSeed(settings, loadRun);
    plan = await planLoad(settings, { logDir: dirname(statePath) });
    const sample = flags.sample ?? 1;
    const narrowed = narrowSources(plan, ledger, loadRun, sample);
    const command = redactArgv(deps.argv ?? []);
    // bound before the verify run is recorded, so a bad --metrics-addr leaves the ledger untouched
    reporting = new RunReporting({
      io,
      clock,
      vaults: plan.vaults.map((v) => v.spec.name),
      telemetry: {
        command: "verify",
        source: settings.source,
        metricsAddr: settings.metricsAddr,
        sampleIntervalMs: settings.sampleIntervalMs,
        samples: true,
      },
    });
    const metrics = reporting.metrics;
    const run = ledger.createRun({
      sourceKind: `verify:${settings.source}`,
      fingerprint: plan.fingerprint,
      settings: { ...plan.batchSettings, sample, ofRun: loadRun?.id ?? null },
      vaults: plan.vaults.map((v) => v.spec),
      command,
      pid: Deno.pid,
    });
    reporting.setRunId(run.id);
    io.stderr.write(`verify run ${run.id}: findings in ${statePath}; nothing is inserted\n`);
    await projectTotals(plan, settings, metrics, sample, narrowed, io);
    const tokens = createTokenProvider(settings, { fetch: deps.fetch, clock, random: deps.random });
    const checkers = new Map<string, RecordChecker>();
    const sink = ledger.sink(run.id);
    reporting.sampleInto(sink);
    reporting.start();
    const end = await runLoad({
      settings,
      vaults: plan.vaults,
      sink: new TeeSink(sink, metrics),
      observer: reporting.observer,
      onPacing: (vault, pacing) => void (metrics.vault(vault).limiter = pacing),
      tokens,
      clock,
      random: deps.random,
      fetch: deps.fetch,
      intake: stop.intake,
      signal: stop.hard,
      handlerFor: (vault, client) => {
        const checker = new RecordChecker({ client, vault });
        checkers.set(vault.name, checker);
        return checker;
      },
    });
    await reporting.finish();
    sink.close();
    const interrupted = end.interrupted || end.fatal instanceof InterruptedError;
    const failedRun = end.fatal !== undefined && !(end.fatal instanceof InterruptedError);
    ledger.finishRun(run.id, failedRun ? "failed" : interrupted ? "interrupted" : "finished");
    const unverified = metrics.totals().failed;
    const code = runExitCode(end, stop.received, unverified);
    const lines = [
      ...verdictLines(checkers),
      ...nextSteps(code, end.fatal, run, statePath, flags, unverified),
    ];
    reporting.printSummary({
      exitCode: code,
      extraLines: lines,
      words: { loaded: "verified", failed: "unverified" },
      runId: run.id,
      json: settings.json,
      jsonExtra: {
        command: "verify",
        sample,
        verify: Object.fromEntries([...checkers].map(([name, c]) => [name, { ...c.counts }])),
      },
    });
    return code;
  } finally {
    await reporting?.dispose();
    stop.dispose();
    ledger.close();
    await plan?.close?.();
  }
}

/** A suffixed load can only be verified with the seed its run used. */
function applyRunSeed(settings: LoadSettings, loadRun: RunInfo | undefined): void {
  if (!settings.appendSuffix) return;
  const seed = (loadRun?.settings as { suffixSeed?: string } | undefined)?.suffixSeed;
  if (seed === undefined) {
    throw new ConfigError(
      "--append-suffix: verify needs --run ID of the load, whose suffix seed decides the suffixes",
    );
  }
  settings.suffixSeed = seed;
}

/** Wraps each vault's source in the `--run` coverage and the `--sample` filter; returns the coverage sizes. */
function narrowSources(
  plan: LoadPlan,
  ledger: Ledger,
  loadRun: RunInfo | undefined,
  sample: number,
): Map<string, number> {
  const coverageSizes = new Map<string, number>();
  for (const v of plan.vaults) {
    if (loadRun) {
      if (!loadRun.vaults.some((rv) => rv.name === v.spec.name)) {
        throw new ConfigError(
          `run ${loadRun.id} did not load vault ${v.spec.name} (use --vault to pick its vaults)`,
        );
      }
      const coverage = ledger.runCoverage(loadRun.id, v.spec.name);
      coverageSizes.set(v.spec.name, coverage.size);
      v.source = filterSource(
        v.source,
        `${v.source.label} (as loaded by run ${loadRun.id})`,
        (p) => coverage.has(p),
      );
    }
    if (sample < 1) {
      const keep = sampleFilter(sample);
      v.source = filterSource(v.source, `${v.source.label} (sample ${sample})`, keep);
    }
  }
  return coverageSizes;
}

/** Sets each vault's expected total where it can be known up front, and prints a projected duration. */
async function projectTotals(
  plan: LoadPlan,
  s: LoadSettings,
  metrics: RunMetrics,
  sample: number,
  coverage: Map<string, number>,
  io: Io,
): Promise<void> {
  let records = 0;
  for (const v of plan.vaults) {
    let rows = coverage.get(v.spec.name);
    if (rows === undefined && v.files.length > 0) {
      const total = await estimateDataRows(v.files[0]);
      if (total === undefined) continue;
      const available = Math.max(0, total - s.startRecord);
      rows = s.maxRecords > 0 ? Math.min(available, s.maxRecords) : available;
      if (s.shard) rows = Math.ceil(rows / s.shard.count);
    }
    if (rows === undefined) continue;
    const expected = Math.round(rows * sample);
    metrics.vault(v.spec.name).total = expected;
    records += expected;
  }
  if (records === 0) return;
  // one detokenize per 25 records (plus a value lookup for absent ones); vaults run side by side
  const perVault = records / Math.max(1, plan.vaults.length);
  const rounds = Math.ceil(perVault / 25 / Math.max(1, s.concurrency));
  io.stderr.write(
    `Verifying about ${formatInt(records)} records: ${
      formatInt(rounds)
    } rounds of ${s.concurrency} read-backs ` +
      `per vault; projected ${formatDuration(rounds * 150)} at 150 ms a request, ${
        formatDuration(rounds * 500)
      } at 500 ms\n`,
  );
}

/** One line per vault naming what was found. */
function verdictLines(checkers: Map<string, RecordChecker>): string[] {
  return [...checkers].map(([name, c]: [string, RecordChecker]) => {
    const n: CheckCounts = c.counts;
    const parts = [`${formatInt(n.verified)} verified`, `${formatInt(n.missing)} missing`];
    parts.push(
      `${formatInt(n.tokenConflict + n.valueConflict)} mismatched (${
        formatInt(n.tokenConflict)
      } token holds ` +
        `another value, ${formatInt(n.valueConflict)} value under another token)`,
    );
    if (n.unchecked > 0) parts.push(`${formatInt(n.unchecked)} could not be checked`);
    return `Verify ${name}: ${parts.join(", ")}`;
  });
}

function nextSteps(
  code: number,
  fatal: unknown,
  run: RunInfo,
  statePath: string,
  flags: LoadFlags & VerifyFlags,
  unverified: number,
): string[] {
  const lines: string[] = [];
  if (fatal !== undefined && !(fatal instanceof InterruptedError)) {
    lines.push(`error: ${fatal instanceof Error ? fatal.message : String(fatal)}`);
  }
  if (unverified === 0) return lines;
  const config = flags.config ? ` --config ${flags.config}` : "";
  const state = ` --state ${statePath}`;
  lines.push(
    `${formatInt(unverified)} unverified records are kept in ${statePath} (verify run ${run.id}):`,
    `  byot failures list${state} --run ${run.id}`,
    `  byot failures retry${config}${state} --run ${run.id} --yes          # inserts the missing records`,
    `  byot failures retry${config}${state} --run ${run.id} --upsert --yes # the source wins for mismatches`,
  );
  if (code !== 3) lines.push("Re-run the same byot verify command to check again.");
  return lines;
}
