/**
 * A bounded read-ahead over an async iterator: a background pump keeps up to `capacity` items ready,
 * so a worker that finishes a request takes its next batch at once instead of waiting for file reads
 * that queue behind the other workers' answers on the event loop. The pump runs while the event
 * loop is otherwise idle (requests in flight), and stops when `capacity` items wait, so memory stays
 * bounded.
 *
 * @module
 */

/** Options of {@linkcode ReadAhead}. */
export interface ReadAheadOptions {
  /** Most items held ready (≥ 1). */
  capacity: number;
}

interface Taker<T> {
  resolve: (result: IteratorResult<T, undefined>) => void;
  reject: (reason: unknown) => void;
}

/**
 * Reads `source` ahead into a bounded buffer. `next()` hands out items in source order; an error of
 * the source is handed to the taker that would have received the next item, after the items read
 * before it. `return()` stops reading and closes the source.
 *
 * @example
 * ```ts
 * const ahead = new ReadAhead(batches, { capacity: 32 });
 * const first = await ahead.next();
 * await ahead.return();
 * ```
 */
export class ReadAhead<T> {
  readonly #source: AsyncIterator<T>;
  readonly #capacity: number;
  readonly #ready: T[] = [];
  readonly #takers: Taker<T>[] = [];
  #end?: { error: unknown } | { done: true };
  #pumping = false;
  #closed = false;

  constructor(source: AsyncIterator<T>, options: ReadAheadOptions) {
    this.#source = source;
    this.#capacity = Math.max(1, Math.floor(options.capacity));
  }

  /** Items read and not yet taken. */
  get buffered(): number {
    return this.#ready.length;
  }

  /** The next item in source order (a resolved promise when one is ready). */
  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#ready.length > 0) {
      const value = this.#ready.shift()!;
      this.#pump();
      return Promise.resolve({ done: false, value });
    }
    if (this.#end !== undefined || this.#closed) return this.#settled();
    const taken = new Promise<IteratorResult<T, undefined>>((resolve, reject) => {
      this.#takers.push({ resolve, reject });
    });
    this.#pump();
    return taken;
  }

  /** Stops reading ahead, drops what was read, and closes the source (waits for a read under way). */
  async return(): Promise<IteratorResult<T, undefined>> {
    this.#closed = true;
    this.#ready.length = 0;
    for (const taker of this.#takers.splice(0)) taker.resolve({ done: true, value: undefined });
    await this.#idle;
    await this.#source.return?.();
    return { done: true, value: undefined };
  }

  #idle: Promise<void> = Promise.resolve();

  /** Starts the pump unless it runs; it reads while takers wait or the buffer has room. */
  #pump(): void {
    if (this.#pumping || this.#end !== undefined || this.#closed) return;
    this.#pumping = true;
    this.#idle = this.#run().finally(() => {
      this.#pumping = false;
    });
  }

  async #run(): Promise<void> {
    while (!this.#closed && this.#end === undefined && this.#ready.length < this.#wanted()) {
      let step: IteratorResult<T>;
      try {
        step = await this.#source.next();
      } catch (error) {
        this.#end = { error };
        break;
      }
      if (this.#closed) return;
      if (step.done) {
        this.#end = { done: true };
        break;
      }
      const taker = this.#takers.shift();
      if (taker) taker.resolve({ done: false, value: step.value });
      else this.#ready.push(step.value);
    }
    if (this.#end !== undefined) {
      for (const taker of this.#takers.splice(0)) this.#settled().then(taker.resolve, taker.reject);
    }
  }

  /** Items the pump should have: every waiting taker's, plus a full buffer. */
  #wanted(): number {
    return this.#capacity + this.#takers.length;
  }

  #settled(): Promise<IteratorResult<T, undefined>> {
    const end = this.#end;
    if (end !== undefined && "error" in end) {
      // the error goes to one taker; later takers see the end
      this.#end = { done: true };
      return Promise.reject(end.error);
    }
    return Promise.resolve({ done: true, value: undefined });
  }
}
