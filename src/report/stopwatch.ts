/**
 * When something started and finished: wall-clock timestamps to show and store, and an elapsed
 * time measured on the monotonic clock, so a wall-clock step (NTP, a VM resumed after a day) changes
 * neither the duration nor any rate computed from it.
 *
 * @module
 */
import type { Clock } from "../common/clock.ts";

/**
 * A start and an optional finish, on both clocks.
 *
 * @example
 * ```ts
 * let wall = 1_700_000_000_000;
 * let mono = 0;
 * const clock = { now: () => wall, monotonic: () => mono, sleep: () => Promise.resolve() };
 * const watch = new Stopwatch(clock);
 * mono += 2000;
 * wall += 86_400_000; // the wall clock jumps a day
 * watch.elapsedMs(); // 2000
 * ```
 */
export class Stopwatch {
  /** When it started, in wall-clock ms since the epoch (for display and `--json`). */
  startedAt: number;
  /** When it finished, in wall-clock ms since the epoch; unset while running. */
  finishedAt?: number;
  readonly #clock: Clock;
  #startMono: number;
  #finishMono?: number;

  /** Starts now. */
  constructor(clock: Clock) {
    this.#clock = clock;
    this.startedAt = clock.now();
    this.#startMono = clock.monotonic();
  }

  /** The monotonic reading of the start (the origin of rate windows). */
  get startMonotonic(): number {
    return this.#startMono;
  }

  /** (Re)starts at wall time `at` (default now); clears the finish. */
  start(at: number = this.#clock.now()): void {
    this.startedAt = at;
    this.finishedAt = undefined;
    this.#startMono = this.#monotonicAt(at);
    this.#finishMono = undefined;
  }

  /** Finishes at wall time `at` (default now); elapsed time stops growing. */
  finish(at: number = this.#clock.now()): void {
    this.finishedAt = at;
    this.#finishMono = this.#monotonicAt(at);
  }

  /** Monotonic time from the start to the finish (or to now while running), in ms; never negative. */
  elapsedMs(): number {
    return Math.max(0, (this.#finishMono ?? this.#clock.monotonic()) - this.#startMono);
  }

  /** Widens this span to cover `other` too (earliest start; latest finish, or none if either runs). */
  merge(other: Stopwatch): void {
    this.startedAt = Math.min(this.startedAt, other.startedAt);
    this.#startMono = Math.min(this.#startMono, other.#startMono);
    if (this.finishedAt === undefined || other.finishedAt === undefined) {
      this.finishedAt = undefined;
      this.#finishMono = undefined;
    } else {
      this.finishedAt = Math.max(this.finishedAt, other.finishedAt);
      this.#finishMono = Math.max(this.#finishMono!, other.#finishMono!);
    }
  }

  /** Makes this span a copy of `other`. */
  copy(other: Stopwatch): void {
    this.startedAt = other.startedAt;
    this.finishedAt = other.finishedAt;
    this.#startMono = other.#startMono;
    this.#finishMono = other.#finishMono;
  }

  /** A wall time given by the caller, on the monotonic scale: now's reading shifted by the difference. */
  #monotonicAt(wall: number): number {
    return this.#clock.monotonic() + (wall - this.#clock.now());
  }
}
