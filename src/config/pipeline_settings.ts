/**
 * The pipeline layer of the settings: how records are batched, paced and sent (batch size,
 * concurrency, rate, record range, suffixes, BYOT options). Resolved by every command that sends
 * records (`load`, `failures retry`, `tune`), with flags > environment > config file > defaults.
 *
 * @module
 */
import { ConfigError } from "../common/errors.ts";
import type { Io } from "../common/io.ts";
import type { ConfigFile } from "./config_file.ts";
import type { LoadFlags } from "./load_flags.ts";
import { type ByotMode, DEFAULTS, type PipelineSettings } from "./settings.ts";
import { envInt, envString, first, intSetting, quote } from "./rules.ts";

const BYOT_MODES: readonly ByotMode[] = ["DISABLE", "ENABLE", "ENABLE_STRICT"];

/**
 * Resolves the pipeline settings from the flags, the environment and a config file already read.
 * `seed.now` and `seed.random` make a fresh `suffixSeed` ({@linkcode newSuffixSeed}) when
 * `--suffix-seed` is not given.
 *
 * @throws {ConfigError} (exit 2) for a bad number, an inconsistent record range or a bad BYOT mode.
 * @example
 * ```ts ignore
 * const pipeline = resolvePipelineSettings({ batchSize: 50 }, io, config, {});
 * ```
 */
export function resolvePipelineSettings(
  flags: LoadFlags,
  io: Io,
  config: ConfigFile,
  seed: { now?: () => number; random?: () => number },
): PipelineSettings {
  const at = (key: string) => `${config.path}: ${key}`;
  const perf = config.performance;
  const batchSize = intSetting(
    "positive",
    DEFAULTS.batchSize,
    [flags.batchSize, "--batch-size"],
    [envInt(io, "BYOT_BATCH_SIZE"), "BYOT_BATCH_SIZE"],
    [perf.batchSize, at("performance.batch_size")],
  );
  const envConcurrency = envString(io, "BYOT_CONCURRENCY");
  const concurrencyAuto = flags.concurrency !== undefined
    ? flags.concurrency === "auto"
    : envConcurrency !== undefined
    ? envConcurrency.trim().toLowerCase() === "auto"
    : perf.concurrencyAuto ?? DEFAULTS.concurrencyAuto;
  const concurrency = concurrencyAuto
    ? intSetting(
      "positive",
      DEFAULTS.concurrencyMax,
      [flags.concurrencyMax, "--concurrency-max"],
      [perf.maxConcurrency, at("performance.max_concurrency")],
    )
    : intSetting(
      "positive",
      DEFAULTS.concurrency,
      [flags.concurrency === "auto" ? undefined : flags.concurrency, "--concurrency"],
      [
        envConcurrency?.trim().toLowerCase() === "auto" ? undefined : envInt(io, "BYOT_CONCURRENCY"),
        "BYOT_CONCURRENCY",
      ],
      [perf.maxConcurrency, at("performance.max_concurrency")],
    );
  const maxRps = intSetting(
    "non-negative",
    DEFAULTS.maxRps,
    [flags.maxRps, "--max-rps"],
    [perf.maxRps, at("performance.max_rps")],
  );
  let maxRecords = intSetting(
    "non-negative",
    DEFAULTS.maxRecords,
    [flags.maxRecords, "--max-records"],
    [perf.maxRecords, at("performance.max_records")],
  );
  const startRecord = intSetting("non-negative", DEFAULTS.startRecord, [flags.startRecord, "--start-record"]);
  if (flags.endRecord !== undefined) {
    if (flags.maxRecords !== undefined) throw new ConfigError("use --end-record or --max-records, not both");
    if (flags.endRecord <= startRecord) {
      throw new ConfigError(
        `--end-record must be greater than --start-record (got ${flags.endRecord} and ${startRecord})`,
      );
    }
    maxRecords = flags.endRecord - startRecord;
  }
  const baseDelayMs = intSetting(
    "non-negative",
    DEFAULTS.baseDelayMs,
    [flags.baseDelayMs, "--base-delay-ms"],
    [perf.baseDelayMs, at("performance.base_delay_ms")],
  );
  const settings: PipelineSettings = {
    batchSize,
    concurrency,
    concurrencyAuto,
    maxRps,
    maxRecords,
    startRecord,
    upsert: flags.upsert ?? perf.upsert ?? DEFAULTS.upsert,
    appendSuffix: flags.appendSuffix ?? perf.appendSuffix ?? DEFAULTS.appendSuffix,
    suffixSeed: flags.suffixSeed ?? newSuffixSeed(seed.now ?? Date.now, seed.random),
    baseDelayMs,
    continueOnError: flags.continueOnError ?? config.skyflow.continueOnError ?? DEFAULTS.continueOnError,
    byotMode: resolveByotMode(flags, config),
  };
  const rangeFlag = flags.maxRecords !== undefined || flags.endRecord !== undefined;
  if (!rangeFlag && maxRecords > 0) settings.maxRecordsFrom = at("performance.max_records");
  return settings;
}

/**
 * A fresh `--append-suffix` seed: unix seconds followed by 8 random digits, so two runs started in
 * the same second do not share suffixes while the suffix keeps the Go loader's shape
 * (`_<digits>_<16 chars>`). The ledger stores it with the run and a resume reuses it.
 *
 * @example
 * ```ts
 * import { newSuffixSeed } from "./pipeline_settings.ts";
 *
 * newSuffixSeed(() => 1_700_000_000_000, () => 0.5); // "170000000055555555"
 * ```
 */
export function newSuffixSeed(now: () => number, random: () => number = cryptoRandom): string {
  let tail = "";
  for (let i = 0; i < 8; i++) tail += String(Math.floor(random() * 10) % 10);
  return `${Math.floor(now() / 1000)}${tail}`;
}

function cryptoRandom(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] / 2 ** 32;
}

/**
 * The pipeline settings with nothing given: every default, the whole source, no suffix.
 *
 * @example
 * ```ts
 * import { pipelineDefaults } from "./pipeline_settings.ts";
 *
 * pipelineDefaults().batchSize; // 25
 * ```
 */
export function pipelineDefaults(): PipelineSettings {
  return {
    batchSize: DEFAULTS.batchSize,
    concurrency: DEFAULTS.concurrencyMax,
    concurrencyAuto: DEFAULTS.concurrencyAuto,
    maxRps: DEFAULTS.maxRps,
    maxRecords: DEFAULTS.maxRecords,
    startRecord: DEFAULTS.startRecord,
    upsert: DEFAULTS.upsert,
    appendSuffix: false,
    suffixSeed: "",
    baseDelayMs: DEFAULTS.baseDelayMs,
    continueOnError: DEFAULTS.continueOnError,
    byotMode: DEFAULTS.byotMode,
  };
}

function resolveByotMode(flags: LoadFlags, config: ConfigFile): ByotMode {
  const hit = first([flags.byotMode, "--byot-mode"], [
    config.skyflow.byotMode,
    `${config.path}: skyflow.byot_mode`,
  ]);
  if (!hit) return DEFAULTS.byotMode;
  const mode = hit.value.trim().toUpperCase();
  if (!(BYOT_MODES as readonly string[]).includes(mode)) {
    throw new ConfigError(`${hit.label} must be one of ${BYOT_MODES.join(", ")} (got ${quote(hit.value)})`);
  }
  return mode as ByotMode;
}
