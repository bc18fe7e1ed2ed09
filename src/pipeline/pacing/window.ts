/**
 * The sliding windows the adaptive controller measures with: the best recent latency, the answers
 * the vault accepted (when each was sent and when it arrived), and what each in-flight limit gave.
 *
 * @module
 */

/** The minimum of samples over a sliding time window, kept as one minimum per second. */
export class WindowedMin {
  #seconds: { second: number; min: number }[] = [];
  /**
   * Creates an empty window.
   *
   * @param windowMs how far back samples count, in ms (measured in whole seconds).
   */
  constructor(readonly windowMs: number) {}

  /** Records a sample `value` taken at `now` (monotonic ms) and drops seconds that left the window. */
  add(now: number, value: number): void {
    const second = Math.floor(now / 1000);
    const last = this.#seconds.at(-1);
    if (last?.second === second) last.min = Math.min(last.min, value);
    else this.#seconds.push({ second, min: value });
    while (this.#seconds.length > 1 && this.#seconds[0].second < this.#oldest(now)) this.#seconds.shift();
  }

  /** The smallest sample of the window ending at `now`; undefined when it holds none. */
  get(now: number): number | undefined {
    let min: number | undefined;
    for (const s of this.#seconds) {
      if (s.second >= this.#oldest(now) && !(s.min >= (min ?? Infinity))) min = s.min;
    }
    return min;
  }

  #oldest(now: number): number {
    return Math.floor((now - this.windowMs) / 1000);
  }
}

/** Arrival and send times of accepted answers over the last `keepMs`, in arrival order. */
export class AcceptedLog {
  #arrived: number[] = [];
  #sent: number[] = [];
  #head = 0;
  /**
   * Creates an empty log.
   *
   * @param keepMs how long an answer is kept after it arrived, in ms.
   */
  constructor(readonly keepMs: number) {}

  /** An accepted answer arrived at `now` for a request sent at `sentAt`. */
  add(now: number, sentAt: number): void {
    this.#arrived.push(now);
    this.#sent.push(sentAt);
    while (this.#arrived[this.#head] <= now - this.keepMs) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#arrived.length) {
      this.#arrived = this.#arrived.slice(this.#head);
      this.#sent = this.#sent.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Accepted answers that arrived after `start` for requests sent in `(start, end]`. */
  sentBetween(start: number, end: number): number {
    let count = 0;
    for (let i = this.#arrived.length - 1; i >= this.#head && this.#arrived[i] > start; i--) {
      if (this.#sent[i] > start && this.#sent[i] <= end) count++;
    }
    return count;
  }
}

/** What one in-flight limit was measured to give. */
export interface LevelRate {
  /** The in-flight limit of the round(s) measured. */
  limit: number;
  /** Answers per second at that limit (smoothed over the rounds measured there). */
  perSec: number;
  /** Mean latency of the answers at that limit, in ms (smoothed likewise). */
  meanMs: number;
}

/**
 * The answers per second and latency measured at each in-flight limit over a sliding window: what
 * a higher limit bought. Rounds at the same limit are smoothed (each new one weighs `weight`).
 */
export class LevelRates {
  readonly #levels = new Map<number, LevelRate & { at: number }>();
  /**
   * Creates an empty book.
   *
   * @param windowMs how long a measurement counts after it was taken, in ms.
   * @param weight the weight of a new round against the earlier ones at its limit (0–1).
   */
  constructor(readonly windowMs: number, readonly weight = 0.5) {}

  /** Records a round at `limit` that gave `perSec` answers per second after `meanMs` each, at `now`. */
  add(now: number, limit: number, perSec: number, meanMs: number): LevelRate {
    const old = this.#levels.get(limit);
    const fresh = old !== undefined && now - old.at <= this.windowMs;
    const w = this.weight;
    const level = {
      limit,
      perSec: fresh ? old.perSec + w * (perSec - old.perSec) : perSec,
      meanMs: fresh ? old.meanMs + w * (meanMs - old.meanMs) : meanMs,
    };
    this.#levels.set(limit, { ...level, at: now });
    for (const [l, m] of this.#levels) if (now - m.at > this.windowMs) this.#levels.delete(l);
    return level;
  }

  /**
   * The measurement within the window whose limit is nearest to `target` among those below `below`;
   * undefined when there is none.
   */
  reference(now: number, target: number, below: number): LevelRate | undefined {
    let best: LevelRate | undefined;
    for (const m of this.#levels.values()) {
      if (now - m.at > this.windowMs || m.limit >= below) continue;
      if (!best || Math.abs(m.limit - target) < Math.abs(best.limit - target)) best = m;
    }
    return best;
  }
}
