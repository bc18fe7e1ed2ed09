/**
 * `--concurrency auto`: one vault's controller. It watches every answer of its vault and drives two
 * knobs:
 *
 * - the {@linkcode Limiter}'s in-flight limit, by AIMD: slow start doubles it every other healthy
 *   round (a limit's worth of answers) from 4 and stops when doubling only lengthened latency; then
 *   it grows by 10 % (at least 1) per round; a 429, a 5xx, a timeout or three rounds whose latency
 *   rise bought no answers per second multiply it by 0.7. The round after a change is not judged.
 *   Never above `--concurrency-max`. With a fixed `--concurrency N` the limit is left alone.
 * - the {@linkcode RateLimiter}'s requests per second (like AWS adaptive retry): no cap until the
 *   first 429 (or `--max-rps`); then 0.9 × the rate the vault accepted (2xx answers, not requests
 *   sent), and a slow probe upward (+2 %/s) while that rate is what holds requests back.
 *
 * Concurrency alone cannot hold a requests-per-second quota at low latency, and every 429 costs a
 * second of silence (Retry-After is honoured), so the rate is what keeps 429s rare once converged.
 *
 * A latency rise counts only when it bought no answers per second ({@linkcode RoundJudge}): latency
 * also grows while a busy network or CPU is shared, and the vault still answers faster.
 *
 * @module
 */
import { systemClock } from "../../common/clock.ts";
import type { AdaptiveOptions, AdaptiveReason, AdaptiveState } from "./adaptive_options.ts";
import { RoundJudge } from "./round_judge.ts";
import { AcceptedLog } from "./window.ts";

export type { AdaptiveOptions, AdaptiveReason, AdaptiveState } from "./adaptive_options.ts";

const ACCEPTED_KEEP_MS = 10_000;
const FIRST_WINDOW_MS = 2_000;
const MIN_WINDOW_MS = 1_000;
const EPISODE_SLACK_MS = 5;
/**
 * Slow start settles when a round's mean latency is above this multiple of the previous round's:
 * the doubled limit bought less than 25 % more throughput (Little's law), so the vault is full.
 */
const SLOW_START_EXIT = 1.6;
/** Steady growth per healthy round, as a share of the limit (at least 1). */
const STEADY_GROWTH = 0.1;

/** A throttle: the window whose accepted requests set the rate, and the rate before it. */
interface Episode {
  /** The previous throttle, when recent: the window starts there; else the last seconds. */
  since?: number;
  /** When the 429 arrived. */
  end: number;
  previousRate: number;
}

/** Drives one vault's in-flight limit and rate from the answers it gets. */
export class AdaptiveController {
  readonly #o: Required<Omit<AdaptiveOptions, "onChange">> & Pick<AdaptiveOptions, "onChange">;
  #limit: number;
  #phase: AdaptiveState["phase"] = "slow-start";
  #throttles = 0;
  #decreases = 0;
  /** When the earliest answered request was sent. */
  #firstSentAt?: number;
  /** When the last 429 episode and the last error episode were acted on. */
  #lastThrottleAt?: number;
  #lastErrorAt = -Infinity;
  /** Until when the vault's 429 gate is closed. */
  #pausedUntil = -Infinity;
  #lastProbeAt: number;
  #waitedAtProbe = 0;
  /** Arrival and send times of the 2xx answers of the last {@linkcode ACCEPTED_KEEP_MS}. */
  readonly #accepted = new AcceptedLog(ACCEPTED_KEEP_MS);
  /** The last throttle: the accepted rate is re-measured as answers of requests sent before it arrive. */
  #episode?: Episode;
  /** Limit and mean latency of the last slow-start round. */
  #slowStartRound?: { limit: number; meanMs: number };
  /**
   * The round after a doubling, a settle or a cut mixes answers of two limits (a cut vault's queue
   * still drains): it is noted, not judged, and does not grow the limit.
   */
  #mixed = false;
  #round = { answers: 0, ok: 0, latencySum: 0, waitedAtStart: 0, startedAt: 0 };
  /** Judges each round: did the latency a higher limit added buy answers per second? */
  readonly #judge: RoundJudge;

  /**
   * Sets the limiter to the initial in-flight limit (left alone with `fixedConcurrency`) and the rate
   * bucket to `maxRps` (uncapped when 0).
   *
   * @param options the limiter and rate bucket to drive, and the tuning knobs.
   */
  constructor(options: AdaptiveOptions) {
    this.#o = {
      initialConcurrency: 4,
      fixedConcurrency: false,
      maxRps: 0,
      decrease: 0.7,
      rateBackoff: 0.9,
      rateProbe: 0.02,
      minRate: 0.5,
      latencyTolerance: 1.1,
      latencySlackMs: 5,
      latencyWindowMs: 30_000,
      clock: systemClock,
      ...withoutUndefined(options),
    };
    const ceiling = Math.max(1, Math.floor(this.#o.maxConcurrency));
    this.#limit = this.#o.fixedConcurrency
      ? this.#o.limiter.limit
      : Math.max(1, Math.min(ceiling, Math.floor(this.#o.initialConcurrency)));
    if (this.#o.fixedConcurrency) this.#phase = "steady";
    this.#lastProbeAt = this.#o.clock.monotonic();
    this.#judge = new RoundJudge({
      windowMs: this.#o.latencyWindowMs,
      tolerance: this.#o.latencyTolerance,
      slackMs: this.#o.latencySlackMs,
      decrease: this.#o.decrease,
    });
    this.#o.limiter.limit = this.#limit;
    this.#o.rate.rate = this.#o.maxRps > 0 ? this.#o.maxRps : Infinity;
    this.#newRound();
  }

  /** The controller's state now. */
  get state(): AdaptiveState {
    const rate = this.#o.rate.rate;
    return {
      limit: this.#limit,
      rate: rate === Infinity ? 0 : Math.round(rate * 100) / 100,
      phase: this.#phase,
      throttles: this.#throttles,
      decreases: this.#decreases,
      bestLatencyMs: this.#judge.bestLatencyMs(this.#o.clock.monotonic()) ?? 0,
    };
  }

  /** An answer (or a transport failure, `status` 0) of this vault arrived after `latencyMs`. */
  onRequest(e: { status: number; latencyMs: number }): void {
    const now = this.#o.clock.monotonic();
    const sentAt = now - e.latencyMs;
    this.#firstSentAt = Math.min(this.#firstSentAt ?? sentAt, sentAt);
    const status = e.status;
    if (status >= 200 && status < 300) {
      this.#accepted.add(now, sentAt);
      if (this.#episode && sentAt <= this.#episode.end) this.#rateFromAccepted(this.#episode);
      this.#round.ok++;
      this.#round.latencySum += e.latencyMs;
      this.#probe(now);
    } else if (status === 429) {
      if (this.#newEpisode(now, sentAt, this.#lastThrottleAt ?? -Infinity)) this.#throttle(now);
      return;
    } else if (status === 0 || status === 408 || status >= 500) {
      if (this.#newEpisode(now, sentAt, this.#lastErrorAt)) {
        this.#lastErrorAt = now;
        this.#decrease("error");
      }
      return;
    }
    if (++this.#round.answers >= this.#limit) this.#endRound(now);
  }

  /** A request of this vault will be retried after `delayMs` (a 429 closes the vault's gate that long). */
  onRetry(e: { reason: string; delayMs: number }): void {
    if (e.reason === "429") {
      this.#pausedUntil = Math.max(this.#pausedUntil, this.#o.clock.monotonic() + e.delayMs);
    }
  }

  /**
   * True when a request that failed this way was sent after the last episode of the same kind was
   * acted on (with a few ms of slack for clock granularity), and the 429 gate is open: the answers to
   * requests already in flight when the vault pushed back are one episode, acted on once.
   */
  #newEpisode(now: number, sentAt: number, last: number): boolean {
    return sentAt > last + EPISODE_SLACK_MS && now >= this.#pausedUntil;
  }

  #endRound(now: number): void {
    const r = this.#round;
    if (this.#o.fixedConcurrency) return this.#newRound();
    const slowStart = this.#phase === "slow-start";
    // the first round starts with the first request, not with the controller
    const round = {
      ...r,
      limit: this.#limit,
      ms: now - Math.max(r.startedAt, this.#firstSentAt ?? r.startedAt),
    };
    if (this.#mixed) {
      this.#mixed = false;
      this.#judge.note(now, round);
      return this.#newRound();
    }
    const mean = r.ok > 0 ? r.latencySum / r.ok : undefined;
    const previous = this.#slowStartRound;
    if (
      slowStart && previous && mean !== undefined && this.#judge.risen(mean, previous.meanMs, SLOW_START_EXIT)
    ) {
      // doubling only lengthened the queue: go back to the previous limit and grow additively
      this.#judge.note(now, round);
      this.#phase = "steady";
      this.#setLimit(previous.limit);
      this.#mixed = true;
      this.#changed("settle");
      return this.#newRound();
    }
    const verdict = this.#judge.judge(now, round);
    if (verdict === "decrease") return this.#decrease("latency");
    if (verdict === "hold") return this.#newRound();
    if (slowStart && mean !== undefined) this.#slowStartRound = { limit: this.#limit, meanMs: mean };
    const paced = this.#o.rate.waited > r.waitedAtStart;
    if (!paced && this.#limit < this.#o.maxConcurrency) {
      const step = slowStart ? this.#limit : Math.max(1, Math.floor(this.#limit * STEADY_GROWTH));
      const grown = this.#limit + step;
      this.#setLimit(Math.min(Math.floor(this.#o.maxConcurrency), grown));
      this.#mixed = slowStart;
      this.#changed("grow");
    }
    this.#newRound();
  }

  #decrease(reason: AdaptiveReason): void {
    if (this.#o.fixedConcurrency) return;
    this.#judge.reset();
    this.#decreases++;
    this.#phase = "steady";
    this.#setLimit(Math.max(1, Math.floor(this.#limit * this.#o.decrease)));
    this.#mixed = true;
    this.#newRound();
    if (reason !== "throttle") this.#changed(reason);
  }

  #throttle(now: number): void {
    const last = this.#lastThrottleAt;
    const since = last !== undefined && now - last <= ACCEPTED_KEEP_MS ? last : undefined;
    this.#episode = { since, end: now, previousRate: this.#o.rate.rate };
    this.#rateFromAccepted(this.#episode);
    this.#o.rate.drain();
    this.#throttles++;
    this.#lastThrottleAt = now;
    this.#lastProbeAt = now;
    this.#waitedAtProbe = this.#o.rate.waited;
    this.#decrease("throttle");
    this.#changed("throttle");
  }

  /**
   * Sets the rate to `rateBackoff` × the requests the vault accepted per second among those sent in
   * the episode's window: since the previous throttle (the vault's bucket was empty then and at this
   * one, so this is its refill rate), or the last seconds before a first throttle. Answers of
   * requests sent before the 429 may arrive after it (a vault rejects faster than it stores), so this
   * runs again for each of them; nothing is sent meanwhile, the gate is closed.
   */
  #rateFromAccepted(episode: Episode): void {
    const { since, end, previousRate } = episode;
    // a first window starts with the earliest request, which may be answered last
    const start = since ?? Math.max((this.#firstSentAt ?? end) - 1, end - FIRST_WINDOW_MS);
    const count = this.#accepted.sentBetween(start, end);
    const measured = (count * 1000) / Math.max(MIN_WINDOW_MS, end - start);
    let next = this.#o.rateBackoff * measured;
    if (previousRate !== Infinity) {
      next = Math.min(this.#o.rateBackoff * previousRate, Math.max(next, previousRate / 2));
    }
    if (this.#o.maxRps > 0) next = Math.min(next, this.#o.maxRps);
    this.#o.rate.rate = Math.max(this.#o.minRate, next);
  }

  /** Raises the rate by `rateProbe` per second of sending while the rate held requests back. */
  #probe(now: number): void {
    const rate = this.#o.rate;
    const from = Math.max(this.#lastProbeAt, this.#pausedUntil);
    if (rate.rate === Infinity || now - from < 100) return;
    const paced = rate.waited > this.#waitedAtProbe || rate.waiting > 0;
    this.#lastProbeAt = now;
    this.#waitedAtProbe = rate.waited;
    const cap = this.#o.maxRps > 0 ? this.#o.maxRps : Infinity;
    if (!paced || rate.rate >= cap) return;
    rate.rate = Math.min(cap, rate.rate * (1 + this.#o.rateProbe) ** ((now - from) / 1000));
    this.#changed("probe");
  }

  #setLimit(limit: number): void {
    this.#limit = limit;
    this.#o.limiter.limit = limit;
  }

  #newRound(): void {
    this.#round = {
      answers: 0,
      ok: 0,
      latencySum: 0,
      waitedAtStart: this.#o.rate.waited,
      startedAt: this.#o.clock.monotonic(),
    };
  }

  #changed(reason: AdaptiveReason): void {
    this.#o.onChange?.(this.state, reason);
  }
}

/** `options` without the fields set to `undefined`, so spreading it keeps the defaults. */
function withoutUndefined<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}
