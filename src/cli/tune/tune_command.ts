/**
 * `byot tune [--records N] (--simulate | --vault V [--table T] --yes)`: short probes over the legacy
 * quick grid of concurrency × batch size (32×100, 32×300, 50×100, 100×300, 200×50) plus `auto`,
 * each sending `--records` generated records (values `byot-tune-<id>-<probe>-<i>`, never the
 * user's data), then a table of throughput, p50/p99 latency and 429 share per setting, the
 * projected time of the configured source and of 500M records, and a recommended config snippet.
 *
 * A real vault is written to only after an explicit target (`--vault` / `--table`) and a
 * confirmation (`--yes`, or `yes` typed on a terminal). Probes are bounded by `--records` and
 * `--max-seconds`; Ctrl-C stops after the probe in progress and reports what was measured.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { type Clock, systemClock } from "../../common/clock.ts";
import { ConfigError, ExitCode } from "../../common/errors.ts";
import type { Io } from "../../common/io.ts";
import type { PromptSecret } from "../../config/secrets.ts";
import { DEFAULTS } from "../../config/settings.ts";
import { formatInt, formatMs, formatRate } from "../../report/format.ts";
import type { Simulator } from "../../vault/simulator/mod.ts";
import { createTokenProvider } from "../../vault/auth/token_factory.ts";
import { confirmProceed, type PromptLine } from "../shared/confirm.ts";
import type { CommandResult } from "../shared/command.ts";
import { addVaultTargetOptions, intArg } from "../shared/options.ts";
import { installStopHandlers, type StopControl, type StopOptions } from "../shared/signals.ts";
import {
  autoSetting,
  fixedSetting,
  newTuneId,
  type ProbeResult,
  QUICK_GRID,
  runProbe,
  TUNE_VALUE_PREFIX,
} from "./probe.ts";
import {
  type Projection,
  PROJECTION_RECORDS,
  recommend,
  renderTune,
  tuneJson,
  type TuneReport,
} from "./report.ts";
import { resolveTuneTarget, sourceProjection, type TuneTargetFlags } from "./target.ts";

/** Records per probe unless `--records` says otherwise. */
export const DEFAULT_TUNE_RECORDS = 3000;

/** The largest `--records`. */
export const MAX_TUNE_RECORDS = 1_000_000;

/** Flags of `byot tune`. */
export interface TuneFlags extends TuneTargetFlags {
  /** `--records N`: generated records per setting. @default 3000 */
  records?: number;
  /** `--max-seconds S`: time cap per probe. @default 30 */
  maxSeconds?: number;
  /** `--yes`: write to a real vault without asking. @default false */
  yes?: boolean;
  /** `--json`: print a JSON object on stdout. @default false */
  json?: boolean;
}

/** Collaborators of `byot tune`. */
export interface TuneDeps {
  /** Time for the tune id, the probes' time caps and rates, and service-account tokens. @default systemClock */
  clock?: Clock;
  /** HTTP client for the vault and token requests. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Uniform random in [0, 1), for the tune id and the backoff jitter. @default Math.random */
  random?: () => number;
  /** Hidden prompt for the bearer token. @default the terminal prompt */
  promptSecret?: PromptSecret;
  /** Reads the confirmation. @default a line from stdin */
  promptLine?: PromptLine;
  /** Installs the Ctrl-C/SIGTERM handlers. @default installStopHandlers with Deno signal listeners */
  stop?: (options: StopOptions) => StopControl;
  /** A running simulator to use for `--simulate` (tests inspect its store). @default start one */
  simulator?: Simulator;
}

/**
 * Builds the `tune` command.
 *
 * @internal CLI wiring for `main()`: its signature uses commander types, which are not documented here.
 */
export function tuneCommand(io: Io, result: CommandResult, deps: TuneDeps = {}): Command {
  return addVaultTargetOptions(new Command("tune"))
    .description(
      "probe batch size × concurrency with generated records and recommend a setting (writes test data)",
    )
    .option(
      "--records <n>",
      `generated records per setting (default: ${DEFAULT_TUNE_RECORDS}; with --simulate, at least two full ` +
        "rounds of each setting)",
      intArg("--records"),
    )
    .option("--max-seconds <s>", "time cap per setting (default: 30)", intArg("--max-seconds"))
    .option("--simulate", "probe an in-process vault simulator instead of a real vault")
    .option("--latency-ms <n>", "with --simulate: delay per request", intArg("--latency-ms"))
    .option("--rate-limit <rps>", "with --simulate: requests per second before 429s", intArg("--rate-limit"))
    .option("--vault <name>", "the configured vault to write the test records to")
    .option("--table <name>", "the table to write the test records to (default: the vault's)")
    .option("--data-dir <dir>", "CSV directory, for the projected load time only (never read for probes)")
    .option("--file <file>", "CSV file, for the projected load time only (never read for probes)")
    .option("--yes", "write the test records to a real vault without asking")
    .option("--json", "print a JSON object (stable keys, version 1) on stdout")
    .action(async (opts) => {
      result.code = await runTune(opts, io, deps);
    });
}

/** Runs `byot tune`; returns the exit code. User errors are thrown. */
export async function runTune(flags: TuneFlags, io: Io, deps: TuneDeps = {}): Promise<number> {
  const records = flags.records ?? DEFAULT_TUNE_RECORDS;
  const maxSeconds = flags.maxSeconds ?? 30;
  if (records < 1 || records > MAX_TUNE_RECORDS) {
    throw new ConfigError(`--records must be from 1 to ${formatInt(MAX_TUNE_RECORDS)} (got ${records})`);
  }
  if (maxSeconds < 1) throw new ConfigError(`--max-seconds must be at least 1 (got ${maxSeconds})`);
  if (!flags.simulate && (flags.latencyMs !== undefined || flags.rateLimit !== undefined)) {
    throw new ConfigError("--latency-ms and --rate-limit shape the simulator: add --simulate");
  }
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? Math.random;
  const projection = await sourceProjection(flags, io);
  const target = await resolveTuneTarget(flags, io, deps);
  try {
    const settings = target.settings;
    const autoCeiling = settings.concurrencyAuto ? settings.concurrency : DEFAULTS.concurrencyMax;
    const probes = QUICK_GRID.length + 1;
    const tuneId = newTuneId(clock.now(), random);
    if (!target.simulated) {
      io.stderr.write(
        `tune writes ${probes} × ${formatInt(records)} = ${formatInt(probes * records)} generated records ` +
          `(values ${TUNE_VALUE_PREFIX}${tuneId}-*) into ${target.label}\n`,
      );
      if (
        !await confirmProceed(io, { yes: flags.yes, action: "write test records", prompt: deps.promptLine })
      ) {
        io.stderr.write("Operation cancelled: nothing was written.\n");
        return ExitCode.ok;
      }
    }
    const tokens = createTokenProvider(settings, { fetch: deps.fetch, clock, random });
    const stop = (deps.stop ?? installStopHandlers)({ stderr: io.stderr, drainMs: 10_000 });
    const results: ProbeResult[] = [];
    try {
      const grid = QUICK_GRID.map((g) => fixedSetting(g.concurrency, g.batchSize));
      for (let i = 0; i < probes && !stop.intake.aborted; i++) {
        // auto runs last, with the batch size of the best fixed setting
        const setting = grid[i] ??
          autoSetting(recommend(results)?.result.setting.batchSize ?? 100, autoCeiling);
        io.stderr.write(`probe ${i + 1}/${probes} ${setting.label}: `);
        const r = await runProbe({
          settings,
          setting,
          vault: target.vault,
          tuneId,
          probe: i + 1,
          // simulated probes default to two full rounds of the setting, so every setting is filled
          records: flags.records ??
            (target.simulated ? Math.max(records, 2 * setting.batchSize * setting.concurrency) : records),
          maxMs: maxSeconds * 1000,
          tokens,
          clock,
          random,
          fetch: deps.fetch,
          intake: stop.intake,
          signal: stop.hard,
        });
        results.push(r);
        io.stderr.write(probeLine(r));
        if (r.fatal !== undefined) throw r.fatal;
      }
    } finally {
      stop.dispose();
    }
    const projections: Projection[] = [
      ...(projection ? [projection] : []),
      { label: "500M records", records: PROJECTION_RECORDS },
    ];
    const report: TuneReport = {
      tuneId,
      target: target.label,
      simulated: target.simulated,
      recordsPerProbe: records,
      autoSized: target.simulated && flags.records === undefined,
      results,
      projections,
      // a stop during the last probe leaves every probe started, but the last one cut short
      interrupted: stop.intake.aborted || results.length < probes,
    };
    if (flags.json) io.stdout.write(JSON.stringify(tuneJson(report), null, 2) + "\n");
    else io.stdout.write(renderTune(report));
    if (!target.simulated) {
      const written = results.reduce((n, r) => n + r.loaded, 0);
      io.stderr.write(
        `${formatInt(written)} test records (values ${TUNE_VALUE_PREFIX}${tuneId}-*) are now in ` +
          `${target.vault.name}/${target.vault.table}: delete them when you are done\n`,
      );
    }
    return report.interrupted ? ExitCode.interrupted : ExitCode.ok;
  } finally {
    await target.close();
  }
}

function probeLine(r: ProbeResult): string {
  const failed = r.failed > 0 ? `, ${formatInt(r.failed)} failed` : "";
  return `${formatInt(r.loaded)} loaded in ${formatMs(r.elapsedMs)}, ${
    formatRate(r.recordsPerSecond)
  } rec/s, ` +
    `p99 ${formatMs(r.p99Ms)}${failed}\n`;
}
