/**
 * Runs one `byot load` end to end: settings → plan → ledger run (new or resumed) → pipeline →
 * summary → exit code. The commander wiring is in `load_command.ts`.
 *
 * @module
 */
import { dirname } from "node:path";
import process from "node:process";
import { type Clock, systemClock } from "../../common/clock.ts";
import { crashPoint } from "../../common/crash_points.ts";
import { CheckpointError, ExitCode, InterruptedError } from "../../common/errors.ts";
import type { Io } from "../../common/io.ts";
import type { LoadFlags } from "../../config/load_flags.ts";
import { resolveLoadSettings } from "../../config/resolve.ts";
import type { PromptSecret } from "../../config/secrets.ts";
import type { LoadSettings } from "../../config/settings.ts";
import { importLegacyErrorLog, LEASE_RENEW_MS, Ledger } from "../../ledger/mod.ts";
import type { AdaptiveState } from "../../pipeline/pacing/adaptive.ts";
import { runLoad } from "../../pipeline/load.ts";
import { TeeSink } from "../../pipeline/tee_sink.ts";
import type { RunMetrics } from "../../report/run_metrics.ts";
import { countInShard } from "../../config/shard.ts";
import { estimateDataRows } from "../../sources/csv/row_count.ts";
import { createTokenProvider } from "../../vault/auth/token_factory.ts";
import { detachLoad, shouldDetach } from "./detach.ts";
import { closingLines } from "./hints.ts";
import { capLines, capNote, rowsLeftByCap } from "./cap.ts";
import { runDryRun } from "./dry_run.ts";
import { preflight } from "../check/check_command.ts";
import { runExitCode, settleLedger } from "../shared/exit_code.ts";
import { type LoadPlan, planLoad } from "../../sources/plan.ts";
import { selectRun } from "./run_selection.ts";
import { redactArgv } from "../shared/redact.ts";
import { resolveStatePath } from "../shared/state_file.ts";
import { verifyResume } from "./verify_resume.ts";
import { installStopHandlers, type StopControl, type StopOptions } from "../shared/signals.ts";
import { RunReporting } from "../shared/reporting.ts";

/** Flags of `byot load` that are not settings: where the ledger is and which run to use. */
export interface RunFlags {
  /** `--state FILE` (else `BYOT_STATE`, else `./byot-state.db`). */
  state?: string;
  /** `--resume`: continue the latest unfinished run; fail if there is none. */
  resume?: boolean;
  /** `--restart`: abandon the job's unfinished run and start a new one. */
  restart?: boolean;
  /** `--wait`: wait while another process holds the job's run, instead of exiting 2. */
  wait?: boolean;
  /** `--no-checkpoint` (false): run without the ledger: no resume, failures only in the summary. */
  checkpoint?: boolean;
  /** `--dry-run`: read, validate and batch, print what would be sent; no request, no ledger. */
  dryRun?: boolean;
  /** `--no-preflight` (false): skip the checks of `byot check` before the load. @default true */
  preflight?: boolean;
}

/** Collaborators of {@linkcode runLoadCommand}; production defaults at the edge. */
export interface LoadDeps {
  /** Time for the ledger, service-account tokens, backoff, metrics and progress. @default systemClock */
  clock?: Clock;
  /** HTTP client for the vault and token requests. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Uniform random in [0, 1), for the retry backoff jitter. @default Math.random */
  random?: () => number;
  /** Hidden prompt for the bearer token, used only when stdin is a terminal. @default promptHidden */
  promptSecret?: PromptSecret;
  /** Installs the Ctrl-C/SIGTERM handlers. @default installStopHandlers with Deno signal listeners */
  stop?: (options: StopOptions) => StopControl;
  /** The command line as typed (secrets are redacted before it is stored or shown). */
  argv?: readonly string[];
}

/** Runs `byot load` and returns its exit code. User errors are thrown (the CLI prints them). */
export async function runLoadCommand(
  flags: LoadFlags & RunFlags,
  io: Io,
  deps: LoadDeps = {},
): Promise<number> {
  const clock = deps.clock ?? systemClock;
  const settings = await resolveLoadSettings({ flags, io, promptSecret: deps.promptSecret });
  const statePath = resolveStatePath(flags.state, io);
  const plan = await planLoad(settings, { logDir: dirname(statePath) });
  const tokens = createTokenProvider(settings, { fetch: deps.fetch, clock, random: deps.random });
  if (flags.dryRun) {
    try {
      return await runDryRun(settings, plan, io);
    } finally {
      await plan.close?.();
    }
  }
  if (flags.preflight !== false) {
    try {
      const ledgerPath = flags.checkpoint === false ? undefined : statePath;
      await preflight(settings, plan, ledgerPath, io, {
        clock,
        fetch: deps.fetch,
        random: deps.random,
        tokens,
      });
    } catch (error) {
      await plan.close?.();
      for (const v of plan.vaults) await v.source.close?.();
      throw error;
    }
  }
  const ledger = flags.checkpoint === false ? undefined : Ledger.open(statePath, { clock });
  const stop = (deps.stop ?? installStopHandlers)({ stderr: io.stderr });
  let lease: ReturnType<typeof setInterval> | undefined;
  let reporting: RunReporting | undefined;
  try {
    // bound before the run is chosen, so a bad --metrics-addr leaves the ledger untouched (a
    // detaching parent has none: its child reports)
    reporting = new RunReporting({
      io,
      clock,
      vaults: plan.vaults.map((v) => v.spec.name),
      telemetry: shouldDetach(settings, io) ? undefined : {
        command: "load",
        source: settings.source,
        metricsAddr: settings.metricsAddr,
        sampleIntervalMs: settings.sampleIntervalMs,
        samples: ledger !== undefined,
      },
    });
    const metrics = reporting.metrics;
    const command = redactArgv(deps.argv ?? []);
    const selected = ledger
      ? await selectRun(
        ledger,
        settings,
        plan,
        { ...flags, statePath, command, clock, signal: stop.intake },
        io,
      )
      : undefined;
    const { run, resumed } = selected ??
      { run: { id: "none", settings: { suffixSeed: settings.suffixSeed } }, resumed: false };
    if (ledger && selected) {
      lease = setInterval(() => {
        try {
          ledger.renewLease(run.id, selected.holder);
        } catch {
          // a failed renewal is retried at the next tick; the load's own writes report real trouble
        }
      }, LEASE_RENEW_MS);
      Deno.unrefTimer(lease as unknown as number);
    }
    reporting.setRunId(run.id);
    if (!ledger) io.stderr.write("--no-checkpoint: no ledger; this run cannot be resumed\n");
    settings.suffixSeed = (run.settings as { suffixSeed?: string }).suffixSeed ?? settings.suffixSeed;
    if (ledger && !resumed && plan.errorLog) {
      importLegacyErrorLog(ledger, run.id, plan.errorLog, plan.vaults[0].spec.name);
    }
    if (shouldDetach(settings, io)) {
      for (const v of plan.vaults) await v.source.close?.();
      const where = ledger ? { runId: run.id, statePath } : {};
      return await detachLoad({ ...where, argv: deps.argv ?? [], command, settings, io });
    }

    if (settings.maxRecordsDefaulted) {
      io.stderr.write(
        `Snowflake: no --max-records given, so only the first ${settings.maxRecords} records of each vault are ` +
          "loaded (the legacy default); pass --max-records 0 to load everything\n",
      );
    }
    const resumes = new Map(
      ledger ? plan.vaults.map((v) => [v.spec.name, ledger.resumePoint(run.id, v.spec.name)]) : [],
    );
    if (ledger && resumed) await verifyResume(ledger, run.id, settings, plan, resumes);
    for (const v of plan.vaults) {
      v.attach?.({
        state: ledger?.sourceState(run.id, v.spec.name),
        save: (state) => ledger?.setSourceState(run.id, v.spec.name, state),
        total: (rows) => void (metrics.vault(v.spec.name).total = rows),
        note: (line) => reporting!.println(line),
      });
    }
    for (const [name, point] of resumes) {
      const c = point.counts;
      const m = metrics.vault(name);
      m.resumed = c.loaded + c.failed + c.skipped;
      m.resumedLoaded = c.loaded;
      m.resumedFailed = c.failed;
      m.resumedAlreadyPresent = c.alreadyPresent;
    }
    const totals = new AbortController();
    void fillTotals(plan, settings, metrics, totals.signal);
    const ledgerSink = ledger?.sink(run.id, { resolveSucceeded: settings.source === "error-log" });
    reporting.sampleInto(ledgerSink);
    reporting.start();
    const end = await runLoad({
      settings,
      vaults: plan.vaults.map((v) => ({ ...v, resume: resumes.get(v.spec.name) })),
      sink: ledgerSink ? new TeeSink(ledgerSink, metrics) : metrics,
      observer: reporting.observer,
      onPacing: (vault, pacing) => void (metrics.vault(vault).limiter = pacing),
      tokens,
      replay: settings.source === "error-log",
      failFast: settings.source !== "error-log",
      timings: {
        read: (v, ms) => void (metrics.vault(v).timing.readMs += ms),
        suffix: (v, ms) => void (metrics.vault(v).timing.suffixMs += ms),
        baseDelay: (v, ms) => void (metrics.vault(v).timing.baseDelayMs += ms),
      },
      clock,
      random: deps.random,
      fetch: deps.fetch,
      intake: stop.intake,
      signal: stop.hard,
    });
    totals.abort();
    await reporting.finish();
    const ledgerNotes: string[] = [];
    if (ledger) {
      // a full or read-only disk under the ledger is a transient stop: the summary still prints;
      // flush() before close(): a flush that failed keeps its outcomes for the retry after relieve()
      settleLedger(
        () => {
          ledgerSink?.flush();
          ledgerSink?.close();
          // a vault with unsettled records is not finished: the same command settles them
          for (const vault of end.completed) {
            if (metrics.vault(vault).unsettled === 0) ledger.markVaultFinished(run.id, vault);
          }
        },
        end,
        { relieve: (error) => ledger.relieveFullDisk(error) },
      );
    }
    const totalsNow = metrics.totals();
    const unsettled = totalsNow.unsettled;
    const interrupted = end.interrupted || end.fatal instanceof InterruptedError;
    if (end.fatal === undefined && !interrupted && unsettled === 0) crashPoint("before-finish");
    if (ledger) {
      const status = end.fatal !== undefined && !(end.fatal instanceof InterruptedError)
        ? ledgerUnavailable(end.fatal) ? "interrupted" : "failed"
        : interrupted || unsettled > 0
        ? "interrupted"
        : "finished";
      settleLedger(() => ledger.finishRun(run.id, status), end, {
        relieve: (error) => ledger.relieveFullDisk(error),
        onTransient: () =>
          ledgerNotes.push(
            `Run ${run.id} could not be marked ${status} in ${statePath}; a re-run resumes it anyway`,
          ),
      });
    }
    const failed = totalsNow.failed + totalsNow.resumedFailed;
    const code = runExitCode(end, stop.received, failed, unsettled);
    const usage = processUsage();
    const left = await rowsLeftByCap(settings, plan, (v) => metrics.vault(v).recordsRead);
    const extra = [
      ...pacingLines(end.pacing, settings.concurrencyAuto),
      `Process: CPU ${usage.cpuUserMs} ms user + ${usage.cpuSystemMs} ms system | peak RSS ${usage.maxRssMb} MB`,
      ...plan.vaults.flatMap((v) => v.notes?.lines(v.spec.name) ?? []),
      ...capLines(settings, left, command, statePath),
      ...closingLines({
        code,
        fatal: end.fatal,
        runId: ledger ? run.id : undefined,
        statePath,
        configPath: settings.configPath ?? "config.json",
        command,
        failed,
        unsettled,
      }),
      ...ledgerNotes,
    ];
    reporting.printSummary({
      exitCode: code,
      extraLines: extra,
      note: capNote(left),
      runId: run.id,
      json: settings.json,
      jsonExtra: { pacing: end.pacing ?? {}, process: usage },
    });
    return code;
  } finally {
    if (lease !== undefined) clearInterval(lease);
    await reporting?.dispose();
    stop.dispose();
    ledger?.close();
    await plan.close?.();
  }
}

/** The ledger's disk was full or read-only: nothing is wrong with the run, it only paused. */
function ledgerUnavailable(error: unknown): boolean {
  return error instanceof CheckpointError && error.exitCode === ExitCode.tempFail;
}

/** One line per vault whose pacing did something: adaptive limit, learned or given rate, 429 episodes. */
function pacingLines(pacing: Record<string, AdaptiveState> | undefined, auto: boolean): string[] {
  return Object.entries(pacing ?? {})
    .filter(([, p]) => auto || p.rate > 0 || p.throttles > 0)
    .map(([vault, p]) =>
      `Pacing ${vault}: in-flight limit ${p.limit}, rate ${
        p.rate > 0 ? `${p.rate.toFixed(1)} req/s` : "uncapped"
      }, ` +
      `${p.throttles} 429 episode${p.throttles === 1 ? "" : "s"}`
    );
}

/** CPU time and peak RSS of this process so far (Linux `getrusage`). */
function processUsage(): { cpuUserMs: number; cpuSystemMs: number; maxRssMb: number } {
  const u = process.resourceUsage();
  return {
    cpuUserMs: Math.round(u.userCPUTime / 1000),
    cpuSystemMs: Math.round(u.systemCPUTime / 1000),
    maxRssMb: Math.round(peakRssKb(u.maxRSS) / 1024),
  };
}

/**
 * Peak RSS in KiB: `VmHWM` from /proc (getrusage's maxRSS on Linux starts from the parent's RSS at
 * fork, so a byot spawned by a large process would report the parent's figure).
 */
function peakRssKb(fallbackKb: number): number {
  try {
    const match = Deno.readTextFileSync("/proc/self/status").match(/^VmHWM:\s+(\d+) kB/m);
    return match ? Number(match[1]) : fallbackKb;
  } catch {
    return fallbackKb;
  }
}

async function fillTotals(plan: LoadPlan, s: LoadSettings, metrics: RunMetrics, signal: AbortSignal) {
  for (const v of plan.vaults) {
    if (!plan.errorLog && v.files.length === 0) continue; // the source reports its own total
    const rows = plan.errorLog ? plan.errorLog.records.length : await estimateDataRows(v.files[0], signal);
    if (rows === undefined || signal.aborted) return;
    const available = Math.max(0, rows - s.startRecord);
    const inRange = s.maxRecords > 0 ? Math.min(available, s.maxRecords) : available;
    metrics.vault(v.spec.name).total = s.shard
      ? countInShard(s.startRecord, s.startRecord + inRange, s.shard)
      : inRange;
  }
}
