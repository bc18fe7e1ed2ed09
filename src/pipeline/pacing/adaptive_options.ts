/**
 * Options and observable state of the adaptive pacing controller (`adaptive.ts`).
 *
 * @module
 */
import type { Clock } from "../../common/clock.ts";
import type { Limiter } from "./concurrency_limiter.ts";
import type { RateLimiter } from "./rate_limiter.ts";

/** Options of `AdaptiveController`. */
export interface AdaptiveOptions {
  /** The in-flight limit it drives (shared with the vault's workers). */
  limiter: Limiter;
  /** The rate bucket it drives (taken by the vault client before every attempt). */
  rate: RateLimiter;
  /** Ceiling of the in-flight limit (`--concurrency-max`). */
  maxConcurrency: number;
  /** In-flight limit at the start. @default 4 (at most `maxConcurrency`) */
  initialConcurrency?: number;
  /** Leave the limiter's limit alone and adapt only the rate (a fixed `--concurrency N`). @default false */
  fixedConcurrency?: boolean;
  /** Ceiling of the rate in requests per second (`--max-rps`); 0 = none. @default 0 */
  maxRps?: number;
  /** Factor applied to the in-flight limit on a decrease. @default 0.7 */
  decrease?: number;
  /** Rate after a 429 as a fraction of the measured accepted rate. @default 0.9 */
  rateBackoff?: number;
  /** Rate growth per second while the rate holds requests back. @default 0.02 */
  rateProbe?: number;
  /** Lowest rate in requests per second. @default 0.5 */
  minRate?: number;
  /**
   * A round whose mean latency is above this multiple of the latency at a lower limit measured
   * recently has risen; it counts when its answers per second did not grow with the limit
   * (`round_judge.ts`). @default 1.1
   */
  latencyTolerance?: number;
  /** ...and above it by at least this many ms (noise floor of sub-ms latencies). @default 5 */
  latencySlackMs?: number;
  /** How long a round's measurements count (the best latency, each limit's answers per second), in ms. @default 30000 */
  latencyWindowMs?: number;
  /** Where time comes from (rounds, windows, probes). @default systemClock */
  clock?: Clock;
  /** Called after every change of limit or rate, with the reason. @default none */
  onChange?: (state: AdaptiveState, reason: AdaptiveReason) => void;
}

/** Why the controller changed a knob. */
export type AdaptiveReason = "grow" | "settle" | "throttle" | "error" | "latency" | "probe";

/** A snapshot of the controller, for the summary and tests. */
export interface AdaptiveState {
  /** In-flight limit now. */
  limit: number;
  /** Requests per second the rate bucket allows; 0 = uncapped (no 429 yet and no `--max-rps`). */
  rate: number;
  /** `slow-start` until the first decrease or settle, then `steady` (always with a fixed concurrency). */
  phase: "slow-start" | "steady";
  /** 429 episodes (the 429s of requests already in flight when the first came back are one). */
  throttles: number;
  /** Decreases of the in-flight limit, throttles included (0 with a fixed concurrency). */
  decreases: number;
  /** Best mean 2xx latency of a round in the recent window, in ms (0 before the first round). */
  bestLatencyMs: number;
}
