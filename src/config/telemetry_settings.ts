/**
 * The observability settings of a run: where to serve Prometheus metrics (`--metrics-addr`,
 * `BYOT_METRICS_ADDR`, `metrics.addr`; off by default) and how often the ledger samples each vault
 * for `byot report` (`--sample-interval`, `metrics.sample_interval_s`; 10 s by default).
 *
 * @module
 */
import { ConfigError } from "../common/errors.ts";
import type { Io } from "../common/io.ts";
import type { ConfigFile } from "./config_file.ts";
import { type ListenAddress, parseListenAddress } from "./listen_address.ts";
import { envString, first } from "./rules.ts";

/** Resolved observability settings. */
export interface TelemetrySettings {
  /** Where to serve `/metrics`; absent = no endpoint. */
  metricsAddr?: ListenAddress;
  /** Time between ledger samples, in ms, when configured (else the default, 10 s). */
  sampleIntervalMs?: number;
}

/** Shortest and longest sample interval, in seconds. */
const SAMPLE_RANGE_S = [1, 3600] as const;

/**
 * Flags > environment > config file > defaults, validated.
 *
 * @throws {ConfigError} for an address that is not `HOST:PORT` or an interval outside 1–3600 s.
 */
export function resolveTelemetry(
  flags: { metricsAddr?: string; sampleInterval?: number },
  io: Io,
  config: ConfigFile,
): TelemetrySettings {
  const at = (key: string) => `${config.path}: ${key}`;
  const addr = first(
    [flags.metricsAddr, "--metrics-addr"],
    [envString(io, "BYOT_METRICS_ADDR"), "BYOT_METRICS_ADDR"],
    [config.metrics.addr === "" ? undefined : config.metrics.addr, at("metrics.addr")],
  );
  const interval = first(
    [flags.sampleInterval, "--sample-interval"],
    [config.metrics.sampleIntervalS, at("metrics.sample_interval_s")],
  );
  const out: TelemetrySettings = {};
  if (addr) out.metricsAddr = parseListenAddress(addr.value, addr.label);
  if (interval) {
    const [min, max] = SAMPLE_RANGE_S;
    if (!(interval.value >= min && interval.value <= max)) {
      throw new ConfigError(
        `${interval.label} must be a number of seconds from ${min} to ${max} (got ${interval.value})`,
      );
    }
    out.sampleIntervalMs = Math.round(interval.value * 1000);
  }
  return out;
}
