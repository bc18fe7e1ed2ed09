/**
 * A whole load: every selected vault runs side by side in one process, each with its own batcher,
 * workers, 429 gate and sender, sharing one outcome sink (ledger + metrics) and one token provider.
 * The first fatal error (bad credentials, unknown vault) stops every vault; the batches it cut off
 * stay unsettled and are replayed safely on resume.
 *
 * @module
 */
import { type Clock, systemClock } from "../common/clock.ts";
import type { OutcomeSink, VaultObserver, VaultSource, VaultSpec } from "../common/types.ts";
import type { PipelineSettings, VaultTarget } from "../config/settings.ts";
import { BatchSender } from "../vault/batch_sender.ts";
import { VaultClient } from "../vault/client.ts";
import type { TokenProvider } from "../vault/auth/token_provider.ts";
import { AdaptiveController, type AdaptiveState } from "./pacing/adaptive.ts";
import { withController } from "./pacing/with_controller.ts";
import { Limiter } from "./pacing/concurrency_limiter.ts";
import { RateLimiter } from "./pacing/rate_limiter.ts";
import { type BatchHandler, type ResumePoint, runVault } from "./vault_workers.ts";

/** One vault's part of the plan. */
export interface PlannedVault {
  /** The vault: name, id, table and column. */
  spec: VaultSpec;
  /** Where its records come from; closed by {@linkcode runLoad} when the vault's run ends. */
  source: VaultSource;
  /** Where a resumed run restarts this vault (from the ledger); absent = from the source's start. */
  resume?: ResumePoint;
}

/** Timing hooks per vault, for the summary's breakdown. */
export interface LoadTimings {
  /** Called with the ms `vault` spent waiting for its source, per chunk read. */
  read(vault: string, ms: number): void;
  /** Called with the ms `vault` spent adding `--append-suffix` suffixes, per chunk read. */
  suffix(vault: string, ms: number): void;
  /** Called with the ms `vault` slept for `baseDelayMs` before a batch, per batch. */
  baseDelay(vault: string, ms: number): void;
}

/**
 * The settings {@linkcode runLoad} reads: the pipeline settings, and the vault target's URL and
 * retry settings (the vaults themselves come planned, with their sources).
 */
export type RunLoadSettings = Omit<VaultTarget, "vaults" | "configPath"> & PipelineSettings;

/** Options of {@linkcode runLoad}. */
export interface RunLoadOptions {
  /** The resolved settings (batch size, concurrency, pacing, retries, BYOT mode, ...). */
  settings: RunLoadSettings;
  /** The vaults to load, all run side by side. */
  vaults: PlannedVault[];
  /** Where every batch outcome goes (ledger and metrics); flushed once at the end. */
  sink: OutcomeSink;
  /** Receives the request, retry, replay, split and build events of every vault. */
  observer: VaultObserver;
  /** Bearer tokens for every vault's client (shared). */
  tokens: TokenProvider;
  /** Send every batch through the safe-replay path (resumed runs). @default false */
  replay?: boolean;
  /**
   * Stop with exit 2, the batches unsettled, when a vault's first 3 batches are each rejected
   * entirely with the same 4xx message (a setup error); off for replays of known failures.
   * @default false
   */
  failFast?: boolean;
  /** Timing hooks for the summary's breakdown; absent = not measured. */
  timings?: LoadTimings;
  /** Where time comes from (pacing, backoff, base delay). @default systemClock */
  clock?: Clock;
  /** Uniform random in [0, 1), for backoff jitter. @default Math.random */
  random?: () => number;
  /** Sends the HTTP requests. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Stops taking new batches (first Ctrl-C); in-flight batches finish. */
  intake?: AbortSignal;
  /** Aborts in-flight requests (second Ctrl-C, deadline). */
  signal?: AbortSignal;
  /**
   * Receives each vault's live pacing once, before its first request: requests in flight and the
   * concurrency limit, read whenever wanted (metrics endpoint, samples). @default none
   */
  onPacing?: (vault: string, pacing: { readonly active: number; readonly limit: number }) => void;
  /**
   * What settles each batch of a vault, given the vault's paced client: `byot verify` passes a
   * read-back checker. @default a {@linkcode BatchSender} that inserts (upsert, endpoint and BYOT
   * mode from the settings)
   */
  handlerFor?: (vault: VaultSpec, client: VaultClient) => BatchHandler;
}

/** How the load ended. */
export interface LoadEnd {
  /** The error that stopped the run, if any (already stopped every vault). */
  fatal?: unknown;
  /** True when intake was stopped before the sources were exhausted. */
  interrupted: boolean;
  /** Vaults whose source was read to the end and every batch settled. */
  completed: string[];
  /** Final state of each vault's pacing controller (limit, rate, throttles), by vault name. */
  pacing?: Record<string, AdaptiveState>;
}

/** One vault's pacing: its in-flight limiter, its rate bucket and the controller that drives them. */
interface Pacing {
  limiter: Limiter;
  rate: RateLimiter;
  controller: AdaptiveController;
  observer: VaultObserver;
}

/**
 * Builds the pacing of one vault. With `--concurrency auto` the controller adapts the in-flight
 * limit and the rate; with a fixed concurrency only the rate, which stays uncapped until a 429 (or
 * at `--max-rps`), so a quota found by 429s is kept instead of rushing the gate with every worker.
 */
function pacingFor(s: RunLoadSettings, observer: VaultObserver, clock: Clock): Pacing {
  const limiter = new Limiter(s.concurrency);
  // a quota the user gave is paced smoothly (no burst above one request); one the controller found
  // may burst for a second after the 429 gate, when the vault's own bucket has refilled
  const rate = new RateLimiter({ rate: s.maxRps, burstSeconds: s.maxRps > 0 ? 0 : 1, clock });
  const controller = new AdaptiveController({
    limiter,
    rate,
    maxConcurrency: s.concurrency,
    fixedConcurrency: !s.concurrencyAuto,
    maxRps: s.maxRps,
    clock,
  });
  return { limiter, rate, controller, observer: withController(observer, controller) };
}

/** Runs every planned vault to the end (or until stopped) and flushes the sink. */
export async function runLoad(o: RunLoadOptions): Promise<LoadEnd> {
  const clock = o.clock ?? systemClock;
  const s = o.settings;
  const stopAll = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stopAll.signal]) : stopAll.signal;
  let fatal: unknown;
  const completed: string[] = [];
  const controllers = new Map<string, AdaptiveController>();
  const runs = o.vaults.map(async (planned) => {
    const name = planned.spec.name;
    const pacing = pacingFor(s, o.observer, clock);
    controllers.set(name, pacing.controller);
    o.onPacing?.(name, pacing.limiter);
    const client = new VaultClient({
      vaultUrl: s.vaultUrl,
      vaultName: name,
      tokens: o.tokens,
      maxAttempts: s.maxAttempts,
      timeoutMs: s.requestTimeoutMs,
      backoffBaseMs: s.backoffBaseMs,
      backoffCapMs: s.backoffCapMs,
      clock,
      random: o.random,
      fetch: o.fetch,
      observer: pacing.observer,
      rate: pacing.rate,
    });
    const sender = o.handlerFor?.(planned.spec, client) ?? new BatchSender({
      client,
      vault: planned.spec,
      byotMode: s.byotMode,
      upsert: s.upsert,
      continueOnError: s.continueOnError,
      observer: o.observer,
      sleep: (ms, sig) => clock.sleep(ms, sig),
    });
    try {
      await runVault({
        vault: name,
        source: planned.source,
        sender,
        sink: o.sink,
        batchSize: s.batchSize,
        concurrency: s.concurrency,
        limiter: pacing.limiter,
        startRecord: s.startRecord,
        maxRecords: s.maxRecords,
        suffixSeed: s.appendSuffix ? s.suffixSeed : undefined,
        baseDelayMs: s.baseDelayMs,
        resume: planned.resume,
        replay: o.replay,
        failFastBatches: o.failFast ? 3 : 0,
        clock,
        intake: o.intake,
        signal,
        onRead: (ms) => o.timings?.read(name, ms),
        onSuffix: (ms) => o.timings?.suffix(name, ms),
        onBaseDelay: (ms) => o.timings?.baseDelay(name, ms),
      });
      if (!o.intake?.aborted && !signal.aborted) completed.push(name);
    } catch (error) {
      if (fatal === undefined && !(signal.aborted && error === signal.reason)) {
        fatal = error;
        stopAll.abort(error);
      }
    } finally {
      await planned.source.close?.();
    }
  });
  await Promise.all(runs);
  try {
    await o.sink.flush();
  } catch (error) {
    // e.g. the ledger's disk filled up: the run ends with that error, summary and all
    if (fatal === undefined) fatal = error;
  }
  if (fatal === undefined && o.signal?.aborted) fatal = o.signal.reason;
  const states = Object.fromEntries([...controllers].map(([name, c]) => [name, c.state]));
  return { fatal, interrupted: o.intake?.aborted === true, completed, pacing: states };
}
