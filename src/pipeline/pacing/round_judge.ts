/**
 * The adaptive controller's latency test: did a higher in-flight limit pay for the latency it
 * added? One judge per vault, fed one round (a limit's worth of answers) at a time.
 *
 * Latency also grows when more requests share a busy network or CPU while the answers per second
 * still grow with the limit; that is no reason to back off. A full vault answers no faster at a
 * higher limit: the requests only queue. So a round is *unpaid* when, against a lower limit measured
 * recently (the one nearest to where a decrease would go back to), its latency rose by the
 * tolerance and its answers per second grew by less than {@linkcode MARGINAL_GAIN} of the limit's
 * growth. One unpaid round holds the limit (a GC pause is one slow round); {@linkcode UNPAID_ROUNDS}
 * in a row cut it.
 *
 * @module
 */
import { type LevelRate, LevelRates, WindowedMin } from "./window.ts";

/** A higher limit must buy at least this share of its growth in answers per second (2× → +15 %). */
export const MARGINAL_GAIN = 0.15;
/** Consecutive unpaid rounds that make a decrease. */
export const UNPAID_ROUNDS = 3;

/** Options of {@linkcode RoundJudge}. */
export interface RoundJudgeOptions {
  /** How long a measurement counts, in ms. */
  windowMs: number;
  /** Latency above this multiple of the lower limit's is a rise. */
  tolerance: number;
  /** ...and above it by at least this many ms (noise floor of sub-ms latencies). */
  slackMs: number;
  /** The factor a decrease applies to the limit: where the reference limit is looked for. */
  decrease: number;
}

/** One round of a vault's answers (a limit's worth). */
export interface Round {
  /** The in-flight limit it ran at. */
  limit: number;
  /** Its 2xx answers. */
  ok: number;
  /** The summed latency of those answers, in ms. */
  latencySum: number;
  /** How long the round took, in ms (from its first request's send for the first round). */
  ms: number;
}

/** What to do after a round: grow as usual, hold the limit and measure again, or cut it. */
export type Verdict = "grow" | "hold" | "decrease";

/** Judges the rounds of one vault; see the module documentation. */
export class RoundJudge {
  readonly #o: RoundJudgeOptions;
  readonly #levels: LevelRates;
  readonly #bestRound: WindowedMin;
  #unpaid = 0;

  /**
   * Creates a judge with no measurements.
   *
   * @param options the window, the tolerance, its noise floor and the decrease factor.
   */
  constructor(options: RoundJudgeOptions) {
    this.#o = options;
    this.#levels = new LevelRates(options.windowMs);
    this.#bestRound = new WindowedMin(options.windowMs);
  }

  /** The best mean latency of a round in the window ending at `now`, in ms; undefined before any. */
  bestLatencyMs(now: number): number | undefined {
    return this.#bestRound.get(now);
  }

  /** Records a round's mean latency without judging it (its answers mixed two limits). */
  note(now: number, round: Round): void {
    if (round.ok > 0) this.#bestRound.add(now, round.latencySum / round.ok);
  }

  /** Records `round` (ended at `now`) and judges it against a lower limit measured recently. */
  judge(now: number, round: Round): Verdict {
    this.note(now, round);
    if (round.ok === 0 || round.ms <= 0) return "grow";
    const level = this.#levels.add(
      now,
      round.limit,
      (round.ok * 1000) / round.ms,
      round.latencySum / round.ok,
    );
    if (!this.#unpaidRound(now, level)) {
      this.#unpaid = 0;
      return "grow";
    }
    if (++this.#unpaid < UNPAID_ROUNDS) return "hold";
    this.#unpaid = 0;
    return "decrease";
  }

  /** Forgets a run of unpaid rounds (the limit was cut for another reason). */
  reset(): void {
    this.#unpaid = 0;
  }

  /** True when `meanMs` is above `factor` × `baseMs` and above it by at least the noise floor. */
  risen(meanMs: number, baseMs: number, factor: number): boolean {
    return meanMs > baseMs * factor && meanMs - baseMs >= this.#o.slackMs;
  }

  #unpaidRound(now: number, level: LevelRate): boolean {
    const ref = this.#levels.reference(now, level.limit * this.#o.decrease, level.limit);
    if (ref === undefined || !this.risen(level.meanMs, ref.meanMs, this.#o.tolerance)) return false;
    return level.perSec < ref.perSec * (1 + MARGINAL_GAIN * (level.limit / ref.limit - 1));
  }
}
