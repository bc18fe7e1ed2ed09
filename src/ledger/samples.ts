/**
 * The run's interval samples ({@linkcode IntervalSample}): written by the sink's group commits,
 * read back in time order by `byot report`.
 *
 * @module
 */
import type { IntervalSample } from "../report/interval_sampler.ts";
import { int, type Store } from "./_store.ts";

/** Insert of one sample; a second sample at the same instant replaces the first. */
export const SAMPLE_SQL = `INSERT OR REPLACE INTO samples (run_id, vault, at, interval_ms, loaded,
    already_present, failed, skipped, requests, rate_limited, retries, latency_p50_ms, latency_p99_ms,
    in_flight, concurrency_limit)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Writes one sample (inside the caller's transaction). */
export function insertSample(store: Store, runId: string, s: IntervalSample): void {
  store.run(
    SAMPLE_SQL,
    runId,
    s.vault,
    s.at,
    s.intervalMs,
    s.loaded,
    s.alreadyPresent,
    s.failed,
    s.skipped,
    s.requests,
    s.rateLimited,
    s.retries,
    s.latencyP50Ms,
    s.latencyP99Ms,
    s.inFlight,
    s.concurrencyLimit,
  );
}

/** Every sample of a run, by vault then time; empty for a state file from before samples existed. */
export function listSamples(store: Store, runId: string): IntervalSample[] {
  const exists = store.get("SELECT 1 AS x FROM sqlite_schema WHERE type = 'table' AND name = 'samples'");
  if (!exists) return [];
  return store.all("SELECT * FROM samples WHERE run_id = ? ORDER BY vault, at", runId).map((r) => ({
    vault: String(r.vault),
    at: int(r.at),
    intervalMs: int(r.interval_ms),
    loaded: int(r.loaded),
    alreadyPresent: int(r.already_present),
    failed: int(r.failed),
    skipped: int(r.skipped),
    requests: int(r.requests),
    rateLimited: int(r.rate_limited),
    retries: int(r.retries),
    latencyP50Ms: Number(r.latency_p50_ms),
    latencyP99Ms: Number(r.latency_p99_ms),
    inFlight: int(r.in_flight),
    concurrencyLimit: int(r.concurrency_limit),
  }));
}
