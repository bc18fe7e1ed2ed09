/**
 * `byot failures retry`: sends the failed records of a run again through the same pipeline as
 * `byot load` (same settings resolution, vault client, bisection, progress and summary), after
 * the legacy analysis screen and a confirmation. The source is the ledger's unresolved failures,
 * the sink resolves the records that now load and re-records, with the new attempt, those that
 * fail again. Every batch goes through the safe-replay path: a record may already be in the vault.
 *
 * @module
 */
import { systemClock } from "../../common/clock.ts";
import { ConfigError, ExitCode, InterruptedError } from "../../common/errors.ts";
import type { Io } from "../../common/io.ts";
import { runExitCode, settleLedger } from "../shared/exit_code.ts";
import type { LoadFlags } from "../../config/load_flags.ts";
import { resolveSendSettings } from "../../config/resolve.ts";
import type { SendSettings } from "../../config/settings.ts";
import type { Ledger, RunInfo } from "../../ledger/mod.ts";
import { runLoad } from "../../pipeline/load.ts";
import { TeeSink } from "../../pipeline/tee_sink.ts";
import { formatInt } from "../../report/format.ts";
import { createTokenProvider } from "../../vault/auth/token_factory.ts";
import { renderRetryAnalysis, type RetryTarget, retryTarget } from "./analysis.ts";
import { confirmProceed, type PromptLine } from "../shared/confirm.ts";
import type { LoadDeps } from "../load/run.ts";
import { SOURCE_OPTION_NAMES } from "../load/options.ts";
import { failureCommands, ledgerArgs } from "../load/hints.ts";
import { installStopHandlers } from "../shared/signals.ts";
import { openStateFile, pickVaults, requireRun, resolveStatePath } from "../shared/state_file.ts";
import { RunReporting } from "../shared/reporting.ts";

/** Flags of `byot failures retry`: the load options plus the ledger flags. */
export interface RetryFlags extends LoadFlags {
  /** `--state FILE`. @default $BYOT_STATE, else ./byot-state.db */
  state?: string;
  /** `--run ID`. @default the newest run with unresolved failures */
  run?: string;
  /** `--yes`: do not ask. @default false */
  yes?: boolean;
}

/** Collaborators of `byot failures retry`: those of `byot load`, plus the confirmation prompt. */
export interface RetryDeps extends LoadDeps {
  /** Reads the confirmation. @default a line from stdin */
  prompt?: PromptLine;
}

/** Runs `byot failures retry`; returns the exit code (0 all resolved, 3 some still fail). */
export async function runFailuresRetry(flags: RetryFlags, io: Io, deps: RetryDeps = {}): Promise<number> {
  refuseSourceFlags(flags);
  const clock = deps.clock ?? systemClock;
  const statePath = resolveStatePath(flags.state, io);
  const ledger = openStateFile(statePath, { clock });
  try {
    const found = findFailures(ledger, flags.run, flags.vault);
    if (!found) {
      const where = flags.run !== undefined ? ` in run ${flags.run}` : "";
      const which = flags.vault !== undefined ? ` for vault ${flags.vault}` : "";
      io.stderr.write(`no failed records to retry${where}${which} (${statePath})\n`);
      return ExitCode.ok;
    }
    const settings = await retrySettings(flags, io, deps);
    const targets: RetryTarget[] = [];
    for (const name of found.vaults) {
      const spec = settings.vaults.find((v) => v.name.toLowerCase() === name.toLowerCase());
      if (spec) targets.push(retryTarget(ledger, found.run, { ...spec, name }));
      else {
        io.stderr.write(
          `warning: vault ${name} has failed records in run ${found.run.id} but is not selected in ` +
            `${settings.configPath}: skipped\n`,
        );
      }
    }
    if (targets.length === 0) {
      throw new ConfigError(
        `no vault with failed records in run ${found.run.id} (${found.vaults.join(", ")}) is configured in ` +
          settings.configPath,
      );
    }
    io.stderr.write(renderRetryAnalysis({
      stateFile: statePath,
      run: found.run,
      targets,
      batchSize: settings.batchSize,
      concurrency: settings.concurrency,
      concurrencyAuto: settings.concurrencyAuto,
      upsert: settings.upsert,
      now: clock.now(),
    }));
    if (!await confirmProceed(io, { yes: flags.yes, action: "retry", prompt: deps.prompt })) {
      io.stderr.write("Operation cancelled.\n");
      return ExitCode.ok;
    }
    return await sendAgain(ledger, found.run, targets, settings, statePath, io, deps);
  } finally {
    ledger.close();
  }
}

/** Long names of the load options `failures retry` refuses (hidden from its help). */
export const RETRY_REFUSED_FLAGS: readonly string[] = [
  ...SOURCE_OPTION_NAMES.map((o) => o.flag),
  "--append-suffix",
  "--no-append-suffix",
];

/** A retry reads the ledger: an option that chooses or shapes a source has no effect, so it is refused. */
function refuseSourceFlags(flags: RetryFlags): void {
  for (const { flag, key } of SOURCE_OPTION_NAMES) {
    if (flags[key] !== undefined) {
      throw new ConfigError(
        `${flag} has no effect on failures retry: it sends the records stored in the ledger`,
      );
    }
  }
  if (flags.appendSuffix) {
    throw new ConfigError(
      "--append-suffix has no effect on failures retry: stored records keep the suffix they were sent with",
    );
  }
}

/** The run to retry (given, or the newest with unresolved failures) and its vaults with failures. */
function findFailures(
  ledger: Ledger,
  runId: string | undefined,
  selection: string | undefined,
): { run: RunInfo; vaults: string[] } | undefined {
  if (runId !== undefined) requireRun(ledger, runId);
  const groups = ledger.countFailures({ runId }).byRunVault;
  const picked = new Set(pickVaults([...new Set(groups.map((g) => g.vault))], selection));
  const runs = [...new Set(groups.filter((g) => picked.has(g.vault)).map((g) => g.runId))]
    .map((id) => ledger.getRun(id)!)
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  const run = runs[0];
  if (!run) return undefined;
  return { run, vaults: groups.filter((g) => g.runId === run.id && picked.has(g.vault)).map((g) => g.vault) };
}

/**
 * Resolves the settings as `byot load` does, without the source layer: a retry reads no source,
 * so a moved or deleted data directory does not block it.
 */
async function retrySettings(flags: RetryFlags, io: Io, deps: RetryDeps): Promise<SendSettings> {
  const { state: _state, run: _run, yes: _yes, ...load } = flags;
  const settings = await resolveSendSettings({ flags: load, io, promptSecret: deps.promptSecret });
  return { ...settings, startRecord: 0, maxRecords: 0, appendSuffix: false };
}

async function sendAgain(
  ledger: Ledger,
  run: RunInfo,
  targets: RetryTarget[],
  settings: SendSettings,
  statePath: string,
  io: Io,
  deps: RetryDeps,
): Promise<number> {
  const clock = deps.clock ?? systemClock;
  const ledgerSink = ledger.sink(run.id, { recordBatches: false, resolveSucceeded: true });
  const stop = (deps.stop ?? installStopHandlers)({ stderr: io.stderr });
  let reporting: RunReporting | undefined;
  try {
    reporting = new RunReporting({
      io,
      clock,
      vaults: targets.map((t) => t.spec.name),
      telemetry: {
        command: "failures retry",
        source: "ledger",
        metricsAddr: settings.metricsAddr,
        sampleIntervalMs: settings.sampleIntervalMs,
        samples: true,
      },
    });
    reporting.setRunId(run.id);
    reporting.sampleInto(ledgerSink);
    const metrics = reporting.metrics;
    for (const t of targets) metrics.vault(t.spec.name).total = t.records;
    reporting.start();
    const end = await runLoad({
      settings,
      vaults: targets.map((t) => ({
        spec: t.spec,
        source: ledger.failuresRetrySource({ runId: run.id, vault: t.spec.name }),
      })),
      sink: new TeeSink(ledgerSink, metrics),
      observer: reporting.observer,
      onPacing: (vault, pacing) => void (metrics.vault(vault).limiter = pacing),
      tokens: createTokenProvider(settings, { fetch: deps.fetch, clock, random: deps.random }),
      replay: true,
      clock,
      random: deps.random,
      fetch: deps.fetch,
      intake: stop.intake,
      signal: stop.hard,
    });
    await reporting.finish();
    settleLedger(
      () => {
        ledgerSink.flush();
        ledgerSink.close();
      },
      end,
      { relieve: (error) => ledger.relieveFullDisk(error) },
    );
    const failed = metrics.totals().failed;
    const code = runExitCode(end, stop.received, failed, metrics.totals().unsettled);
    const extra = closingLines(
      code,
      end.fatal,
      run,
      statePath,
      failed,
      metrics.totals().loaded,
      settings.configPath,
    );
    reporting.printSummary({ exitCode: code, extraLines: extra, runId: run.id, json: settings.json });
    return code;
  } finally {
    await reporting?.dispose();
    stop.dispose();
  }
}

function closingLines(
  code: number,
  fatal: unknown,
  run: RunInfo,
  statePath: string,
  failed: number,
  loaded: number,
  configPath = "config.json",
): string[] {
  const lines: string[] = [];
  if (fatal !== undefined && !(fatal instanceof InterruptedError)) {
    lines.push(`error: ${fatal instanceof Error ? fatal.message : String(fatal)}`);
  }
  if (loaded > 0) {
    lines.push(`${formatInt(loaded)} failed records of run ${run.id} now loaded: marked resolved.`);
  }
  if (failed > 0) {
    lines.push(
      `${formatInt(failed)} records still fail; kept in ${statePath} (run ${run.id}) with the new attempt:`,
    );
    lines.push(...failureCommands(statePath, configPath));
  }
  if (code !== ExitCode.ok && code !== ExitCode.someFailed) {
    lines.push(
      `Records not sent yet stay failed: run byot failures retry ${
        ledgerArgs(statePath, configPath)
      } again to send them.`,
    );
  }
  return lines;
}
